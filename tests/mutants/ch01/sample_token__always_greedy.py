# Wrong: never samples; always returns the argmax.
# Names: always return the argmax
def sample_token(scores, temperature, rng):
    return scores.argmax(axis=-1)
