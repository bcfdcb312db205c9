# Wrong: uses I for the first character of a word and B for the others.
# Names: B and I are swapped
def bi_tags(words):
    tags = []
    for word in words:
        tags += [I] + [B] * (len(word) - 1)
    return np.array(tags, dtype=np.int64)
