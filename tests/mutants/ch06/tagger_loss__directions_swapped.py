# Wrong: stores the backward direction's gradients under "fwd" and vice versa.
# Names: directions' gradients are swapped
def tagger_loss(params, chars, tags, mask, cell):
    scores, (bidirectional, emb_cache, rnn_cache, out_cache) = tagger_forward(
        params, chars, mask, cell)
    loss, dscores = temporal_softmax_loss(scores, tags, mask)
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores, out_cache)
    if bidirectional:
        dx, _, (grads["bwd"], grads["fwd"]) = bidirectional_backward(dh, rnn_cache)
    else:
        dx, _, (grads["fwd"],) = stacked_backward(dh, rnn_cache)
    grads["E"] = embedding_backward(dx, emb_cache)
    return loss, grads
