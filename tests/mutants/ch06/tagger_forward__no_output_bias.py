# Wrong: leaves out the output bias by.
# Names: output bias by is never added
def tagger_forward(params, chars, mask, cell):
    N = chars.shape[0]
    bidirectional = "bwd" in params
    H = params["Wy"].shape[0] // (2 if bidirectional else 1)
    x, emb_cache = embedding_forward(chars, params["E"])
    if bidirectional:
        h, rnn_cache = bidirectional_forward(x, mask, [np.zeros((N, H)), np.zeros((N, H))],
                                             [params["fwd"], params["bwd"]], cell)
    else:
        h, rnn_cache = stacked_forward(x, [np.zeros((N, H))], [params["fwd"]], cell)
    scores, out_cache = temporal_affine_forward(h, params["Wy"], np.zeros_like(params["by"]))
    return scores, (bidirectional, emb_cache, rnn_cache, out_cache)
