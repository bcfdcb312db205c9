# Wrong: divides the gradient by the number of characters instead of the batch size.
# Names: gradients are divided by the number of real characters
def tagger_loss(params, chars, tags, mask, cell):
    scores, (bidirectional, emb_cache, rnn_cache, out_cache) = tagger_forward(
        params, chars, mask, cell)
    loss, dscores = temporal_softmax_loss(scores, tags, mask)
    dscores = dscores * chars.shape[0] / mask.sum()
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores, out_cache)
    if bidirectional:
        dx, _, (grads["fwd"], grads["bwd"]) = bidirectional_backward(dh, rnn_cache)
    else:
        dx, _, (grads["fwd"],) = stacked_backward(dh, rnn_cache)
    grads["E"] = embedding_backward(dx, emb_cache)
    return loss, grads
