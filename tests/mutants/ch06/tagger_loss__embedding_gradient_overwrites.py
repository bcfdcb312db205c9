# Wrong: assigns the gradient of each character's row, so repeated characters overwrite.
# Names: repeated character; np.add.at
def tagger_loss(params, chars, tags, mask, cell):
    scores, (bidirectional, emb_cache, rnn_cache, out_cache) = tagger_forward(
        params, chars, mask, cell)
    loss, dscores = temporal_softmax_loss(scores, tags, mask)
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores, out_cache)
    if bidirectional:
        dx, _, (grads["fwd"], grads["bwd"]) = bidirectional_backward(dh, rnn_cache)
    else:
        dx, _, (grads["fwd"],) = stacked_backward(dh, rnn_cache)
    dE = np.zeros_like(params["E"])
    dE[chars] = dx
    grads["E"] = dE
    return loss, grads
