# Wrong: restarts every step from h_init, so the decoder has no memory of its own outputs.
# Names: starts again from h_init
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    y, embed_cache = embedding_forward(tgt_in, params["E_tgt"])
    states, step_caches = [], []
    for t in range(tgt_in.shape[1]):
        h, step_cache = cell.step_forward(y[:, t], h_init, params["dec_Wx"],
                                          params["dec_Wh"], params["dec_b"])
        states.append(h)
        step_caches.append(step_cache)
    scores, affine_cache = temporal_affine_forward(np.stack(states, axis=1), params["Wy"],
                                                   params["by"])
    return scores, (embed_cache, step_caches, affine_cache)
