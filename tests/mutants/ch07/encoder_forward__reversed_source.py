# Wrong: reads the source backwards (a trick from the literature, but not what is asked).
# Names: source backwards; in order
def encoder_forward(src, params, cell=rnn_cell):
    x, embed_cache = embedding_forward(src[:, ::-1], params["E_src"])
    h0 = np.zeros((src.shape[0], params["enc_Wh"].shape[0]))
    h_enc, cell_cache = cell.forward(x, h0, params["enc_Wx"], params["enc_Wh"], params["enc_b"])
    return h_enc, (embed_cache, cell_cache)
