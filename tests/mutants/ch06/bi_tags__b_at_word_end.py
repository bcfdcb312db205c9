# Wrong: marks the last character of each word with B (confuses B with an end tag).
# Names: last character of each word B
def bi_tags(words):
    tags = []
    for word in words:
        tags += [I] * (len(word) - 1) + [B]
    return np.array(tags, dtype=np.int64)
