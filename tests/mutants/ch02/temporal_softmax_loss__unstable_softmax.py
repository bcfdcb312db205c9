# Wrong: computes the loss and probabilities with a naive exp() that overflows on big scores.
# Localised: dscores; NaN
def temporal_softmax_loss(scores, targets, mask):
    N, T, V = scores.shape
    e = np.exp(scores)
    probs = e / e.sum(axis=-1, keepdims=True)
    picked = probs[np.arange(N)[:, None], np.arange(T)[None, :], targets]
    loss = float(-(np.log(picked) * mask).sum() / N)
    dscores = probs.copy()
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    dscores *= mask[:, :, None] / N
    return loss, dscores
