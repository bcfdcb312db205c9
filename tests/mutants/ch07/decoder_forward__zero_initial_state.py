# Wrong: starts the decoder from zeros, so it never sees the encoder's summary.
# Names: starts from zeros; h_init
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    y, embed_cache = embedding_forward(tgt_in, params["E_tgt"])
    h_dec, cell_cache = cell.forward(y, np.zeros_like(h_init), params["dec_Wx"],
                                     params["dec_Wh"], params["dec_b"])
    scores, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return scores, (embed_cache, cell_cache, affine_cache)
