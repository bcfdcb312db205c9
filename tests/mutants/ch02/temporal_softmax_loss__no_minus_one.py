# Wrong: returns the probabilities as the gradient, forgetting to subtract 1 at the target.
# Names: subtract 1 at each target
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask)
    dscores = softmax(scores) * mask[:, :, None] / N
    return loss, dscores
