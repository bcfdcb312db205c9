# Wrong: treats src as time-major (S, N), so steps and batch rows are mixed up.
# Names: time-major; batch-first
def encoder_forward(src, params, cell=rnn_cell):
    N, S = src.shape
    x, embed_cache = embedding_forward(src.reshape(S, N).T, params["E_src"])
    h0 = np.zeros((N, params["enc_Wh"].shape[0]))
    h_enc, cell_cache = cell.forward(x, h0, params["enc_Wx"], params["enc_Wh"], params["enc_b"])
    return h_enc, (embed_cache, cell_cache)
