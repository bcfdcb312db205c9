# Wrong: returns softmax probabilities instead of the unnormalised scores.
# Names: softmax probabilities; unnormalised scores
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    y, embed_cache = embedding_forward(tgt_in, params["E_tgt"])
    h_dec, cell_cache = cell.forward(y, h_init, params["dec_Wx"], params["dec_Wh"],
                                     params["dec_b"])
    scores, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return softmax(scores), (embed_cache, cell_cache, affine_cache)
