# Wrong: draws from numpy's global random state instead of the rng it is given.
# Names: global random state; rng argument
def sample_token(scores, temperature, rng):
    if temperature == 0:
        return scores.argmax(axis=-1)
    z = scores / temperature
    p = np.exp(z - z.max(axis=-1, keepdims=True))
    p /= p.sum(axis=-1, keepdims=True)
    return np.array([np.random.choice(len(row), p=row) for row in p])
