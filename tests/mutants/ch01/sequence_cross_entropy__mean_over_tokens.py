# Wrong: averages over unmasked tokens instead of dividing by the batch size.
# Names: average over the unmasked tokens
def sequence_cross_entropy(scores, targets, mask):
    N, T, _ = scores.shape
    shifted = scores - scores.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = log_probs[np.arange(N)[:, None], np.arange(T)[None, :], targets]
    return float(-(picked * mask).sum() / mask.sum())
