# Wrong: off by one in the number of I tags ([I] * (len(word) - 2)).
# Names: gets n - 1 tags
def bi_tags(words):
    tags = []
    for word in words:
        tags += [B] + [I] * (len(word) - 2)
    return np.array(tags, dtype=np.int64)
