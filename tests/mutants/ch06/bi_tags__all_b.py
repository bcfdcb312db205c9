# Wrong: tags every character B.
def bi_tags(words):
    return np.full(sum(len(word) for word in words), B, dtype=np.int64)
