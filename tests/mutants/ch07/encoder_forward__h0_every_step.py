# Wrong: runs each step from the zero state, so the encoder carries nothing through time.
# Names: starts again from the zero state
def encoder_forward(src, params, cell=rnn_cell):
    x, embed_cache = embedding_forward(src, params["E_src"])
    N, Tx = src.shape
    h0 = np.zeros((N, params["enc_Wh"].shape[0]))
    states, step_caches = [], []
    for t in range(Tx):
        h, step_cache = cell.step_forward(x[:, t], h0, params["enc_Wx"], params["enc_Wh"],
                                          params["enc_b"])
        states.append(h)
        step_caches.append(step_cache)
    return np.stack(states, axis=1), (embed_cache, step_caches)
