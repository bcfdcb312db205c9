# Wrong: passes the decoder's recurrent weights transposed.
# Names: dec_Wh transposed
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    y, embed_cache = embedding_forward(tgt_in, params["E_tgt"])
    h_dec, cell_cache = cell.forward(y, h_init, params["dec_Wx"], params["dec_Wh"].T,
                                     params["dec_b"])
    scores, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return scores, (embed_cache, cell_cache, affine_cache)
