# Wrong: copy-pasted the decoder's recurrent weights into the encoder.
# Names: decoder's weights; params['enc_Wh']
def encoder_forward(src, params, cell=rnn_cell):
    x, embed_cache = embedding_forward(src, params["E_src"])
    h0 = np.zeros((src.shape[0], params["dec_Wh"].shape[0]))
    h_enc, cell_cache = cell.forward(x, h0, params["dec_Wx"], params["dec_Wh"], params["dec_b"])
    return h_enc, (embed_cache, cell_cache)
