# Wrong: the gradient has the wrong sign (one_hot - probs), which is the ascent direction.
# Names: wrong sign
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask)
    dscores = -softmax(scores)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] += 1.0
    dscores *= mask[:, :, None] / N
    return loss, dscores
