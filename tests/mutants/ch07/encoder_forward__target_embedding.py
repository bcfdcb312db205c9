# Wrong: embeds the source with the decoder's embedding table E_tgt.
# Names: decoder's table E_tgt; params['E_src']
def encoder_forward(src, params, cell=rnn_cell):
    x, embed_cache = embedding_forward(src, params["E_tgt"])
    h0 = np.zeros((src.shape[0], params["enc_Wh"].shape[0]))
    h_enc, cell_cache = cell.forward(x, h0, params["enc_Wx"], params["enc_Wh"], params["enc_b"])
    return h_enc, (embed_cache, cell_cache)
