# Wrong: tags every character B.
# Names: every character is tagged B
def bi_tags(words):
    return np.full(sum(len(word) for word in words), B, dtype=np.int64)
