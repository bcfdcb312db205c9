# Wrong: draws uniformly from the vocabulary, ignoring the scores.
# Localised: temperature 1e-4
def sample_token(scores, temperature, rng):
    if temperature == 0:
        return scores.argmax(axis=-1)
    return rng.integers(0, scores.shape[1], size=scores.shape[0])
