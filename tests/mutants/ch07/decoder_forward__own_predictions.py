# Wrong: no teacher forcing while training: after <s> the decoder reads its own argmax
# prediction instead of the given previous target token.
# Names: no teacher forcing; tgt_in[:, t]
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    N, T = tgt_in.shape
    tokens = tgt_in.copy()
    h, step_caches, scores = h_init, [], []
    for t in range(T):
        h, step_cache = cell.step_forward(params["E_tgt"][tokens[:, t]], h, params["dec_Wx"],
                                          params["dec_Wh"], params["dec_b"])
        s = h @ params["Wy"] + params["by"]
        if t + 1 < T:
            tokens[:, t + 1] = s.argmax(axis=1)
        scores.append(s)
        step_caches.append(step_cache)
    y, embed_cache = embedding_forward(tokens, params["E_tgt"])
    h_dec = np.stack([c[4] for c in step_caches], axis=1)
    _, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return np.stack(scores, axis=1), (embed_cache, step_caches, affine_cache)
