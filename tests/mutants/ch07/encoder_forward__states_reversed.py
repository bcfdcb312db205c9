# Wrong: returns the states last step first (flips h_enc in time).
# Names: last step first; time order
def encoder_forward(src, params, cell=rnn_cell):
    x, embed_cache = embedding_forward(src, params["E_src"])
    h0 = np.zeros((src.shape[0], params["enc_Wh"].shape[0]))
    h_enc, cell_cache = cell.forward(x, h0, params["enc_Wx"], params["enc_Wh"], params["enc_b"])
    return h_enc[:, ::-1], (embed_cache, cell_cache)
