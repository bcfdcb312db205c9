# Wrong: scores each step against the next step's target (an off-by-one in time).
# Names: next step's target
def sequence_cross_entropy(scores, targets, mask):
    N, T, _ = scores.shape
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    nxt = np.roll(targets, -1, axis=1)
    picked = log_probs[np.arange(N)[:, None], np.arange(T)[None, :], nxt]
    return float(-(picked * mask).sum() / N)
