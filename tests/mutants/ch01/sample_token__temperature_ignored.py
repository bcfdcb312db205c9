# Wrong: samples from softmax(scores) whatever the temperature (except greedy).
# Names: whatever the temperature
def sample_token(scores, temperature, rng):
    if temperature == 0:
        return scores.argmax(axis=-1)
    p = np.exp(scores - scores.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(p.shape[1], p=row) for row in p])
