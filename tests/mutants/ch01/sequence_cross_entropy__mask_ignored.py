# Wrong: counts padded steps too.
# Names: padded steps are counted
def sequence_cross_entropy(scores, targets, mask):
    N, T, _ = scores.shape
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = log_probs[np.arange(N)[:, None], np.arange(T)[None, :], targets]
    return float(-picked.sum() / N)
