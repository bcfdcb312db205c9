# Wrong: greedy decoding picks the lowest score.
# Names: lowest score
def sample_token(scores, temperature, rng):
    if temperature == 0:
        return scores.argmin(axis=-1)
    z = scores / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(p.shape[1], p=row) for row in p])
