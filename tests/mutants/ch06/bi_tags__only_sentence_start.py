# Wrong: only the first character of the sentence gets B.
# Names: only the sentence's first character
def bi_tags(words):
    C = sum(len(word) for word in words)
    tags = np.full(C, I, dtype=np.int64)
    tags[0] = B
    return tags
