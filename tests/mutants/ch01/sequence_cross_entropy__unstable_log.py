# Wrong: takes the log of a naive softmax, which overflows for large scores.
# Names: log(softmax(scores)) overflows
def sequence_cross_entropy(scores, targets, mask):
    N, T, _ = scores.shape
    e = np.exp(scores)
    probs = e / e.sum(axis=-1, keepdims=True)
    picked = np.log(probs[np.arange(N)[:, None], np.arange(T)[None, :], targets])
    return float(-(picked * mask).sum() / N)
