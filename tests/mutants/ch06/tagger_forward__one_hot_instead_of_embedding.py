# Wrong: looks up the embedding by the character's position instead of its index.
# Names: by position; embedding_forward(chars
def tagger_forward(params, chars, mask, cell):
    N = chars.shape[0]
    bidirectional = "bwd" in params
    H = params["Wy"].shape[0] // (2 if bidirectional else 1)
    positions = np.broadcast_to(np.arange(chars.shape[1]) % params["E"].shape[0], chars.shape)
    x, emb_cache = embedding_forward(positions, params["E"])
    if bidirectional:
        h, rnn_cache = bidirectional_forward(x, mask, [np.zeros((N, H)), np.zeros((N, H))],
                                             [params["fwd"], params["bwd"]], cell)
    else:
        h, rnn_cache = stacked_forward(x, [np.zeros((N, H))], [params["fwd"]], cell)
    scores, out_cache = temporal_affine_forward(h, params["Wy"], params["by"])
    return scores, (bidirectional, emb_cache, rnn_cache, out_cache)
