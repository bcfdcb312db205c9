# Wrong: one tag per word instead of one per character.
# Names: one tag per word; one per character
def bi_tags(words):
    return np.array([B if len(word) == 1 else I for word in words], dtype=np.int64)
