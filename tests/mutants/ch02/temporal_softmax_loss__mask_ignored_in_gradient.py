# Wrong: masks the loss but not the gradient, so padded steps still send gradients back.
# Names: padded steps still get a gradient
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask)
    dscores = softmax(scores)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    return loss, dscores / N
