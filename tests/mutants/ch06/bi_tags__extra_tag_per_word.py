# Wrong: emits one tag too many per word ([B] + [I] * len(word)).
# Names: one tag too many
def bi_tags(words):
    tags = []
    for word in words:
        tags += [B] + [I] * len(word)
    return np.array(tags, dtype=np.int64)
