# Wrong: skips the recurrent layer in the embedding gradient (uses the output layer's dh).
# Names: output layer's dh; skipping the recurrent layer
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
    D = params["E"].shape[1]
    grads["E"] = embedding_backward(dh[:, :, :D], emb_cache)
    return loss, grads
