# Wrong: leaves out the encoder's bias.
# Names: enc_b is never added
def encoder_forward(src, params, cell=rnn_cell):
    x, embed_cache = embedding_forward(src, params["E_src"])
    H = params["enc_Wh"].shape[0]
    h0 = np.zeros((src.shape[0], H))
    h_enc, cell_cache = cell.forward(x, h0, params["enc_Wx"], params["enc_Wh"], np.zeros(H))
    return h_enc, (embed_cache, cell_cache)
