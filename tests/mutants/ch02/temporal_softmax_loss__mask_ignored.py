# Wrong: ignores the mask altogether, in the loss and in the gradient.
# Names: padded steps are counted
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, np.ones((N, T), dtype=bool))
    dscores = softmax(scores)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    return loss, dscores / N
