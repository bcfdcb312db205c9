# Wrong: runs the decoder with the encoder's recurrent weights.
# Names: encoder's weights; params['dec_Wh']
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    y, embed_cache = embedding_forward(tgt_in, params["E_tgt"])
    h_dec, cell_cache = cell.forward(y, h_init, params["enc_Wx"], params["enc_Wh"],
                                     params["enc_b"])
    scores, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return scores, (embed_cache, cell_cache, affine_cache)
