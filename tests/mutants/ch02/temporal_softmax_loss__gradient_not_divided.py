# Wrong: forgets to divide the gradient by the batch size N (the loss is divided).
# Names: dscores is not divided by N
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask)
    dscores = softmax(scores)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    dscores *= mask[:, :, None]
    return loss, dscores
