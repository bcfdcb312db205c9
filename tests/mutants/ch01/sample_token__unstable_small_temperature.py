# Wrong: a naive softmax of scores / temperature overflows when the temperature is tiny.
# Localised: NaN
def sample_token(scores, temperature, rng):
    if temperature == 0:
        return scores.argmax(axis=-1)
    e = np.exp(scores / temperature)
    p = e / e.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(p.shape[1], p=row) for row in p])
