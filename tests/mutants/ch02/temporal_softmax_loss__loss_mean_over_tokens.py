# Wrong: reports the loss per token (mean over real tokens) instead of chapter 1's convention.
# Names: mean over the real tokens
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask) * N / mask.sum()
    dscores = softmax(scores)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    dscores *= mask[:, :, None] / N
    return loss, dscores
