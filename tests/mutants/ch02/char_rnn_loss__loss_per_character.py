# Wrong: divides the loss (and so the gradients) by T, reporting a per-character loss.
# Names: divide the loss (and so the gradients) by T
def char_rnn_loss(params, inputs, targets, h0):
    T = inputs.shape[1]
    x, embed_cache = embedding_forward(inputs, params["W_embed"])
    h, rnn_cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])
    scores, out_cache = temporal_affine_forward(h, params["Wy"], params["by"])
    loss, dscores = temporal_softmax_loss(scores, targets, np.ones(inputs.shape, bool))
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores / T, out_cache)
    dx, _dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, rnn_cache)
    grads["W_embed"] = embedding_backward(dx, embed_cache)
    return loss / T, grads, h[:, -1]
