# Wrong: divides the gradient by the number of real tokens instead of the batch size N.
# Names: divided by the number of real tokens
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask)
    dscores = softmax(scores)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    dscores *= mask[:, :, None] / mask.sum()
    return loss, dscores
