# Wrong: always runs one forward layer and feeds its states twice to the output layer.
# Names: runs only the forward direction
def tagger_forward(params, chars, mask, cell):
    N = chars.shape[0]
    bidirectional = "bwd" in params
    H = params["Wy"].shape[0] // (2 if bidirectional else 1)
    x, emb_cache = embedding_forward(chars, params["E"])
    h, rnn_cache = stacked_forward(x, [np.zeros((N, H))], [params["fwd"]], cell)
    if bidirectional:
        h = np.concatenate([h, h], axis=-1) * mask[:, :, None]
    scores, out_cache = temporal_affine_forward(h, params["Wy"], params["by"])
    return scores, (bidirectional, emb_cache, rnn_cache, out_cache)
