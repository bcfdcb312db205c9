# Wrong: scores the padded steps as if they were characters.
# Names: padded steps are scored; mask
def tagger_loss(params, chars, tags, mask, cell):
    scores, (bidirectional, emb_cache, rnn_cache, out_cache) = tagger_forward(
        params, chars, mask, cell)
    loss, dscores = temporal_softmax_loss(scores, tags, np.ones_like(mask))
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores, out_cache)
    if bidirectional:
        dx, _, (grads["fwd"], grads["bwd"]) = bidirectional_backward(dh, rnn_cache)
    else:
        dx, _, (grads["fwd"],) = stacked_backward(dh, rnn_cache)
    grads["E"] = embedding_backward(dx, emb_cache)
    return loss, grads
