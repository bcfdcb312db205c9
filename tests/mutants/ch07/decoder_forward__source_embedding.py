# Wrong: embeds the target tokens with the source embedding table E_src.
# Names: source table E_src; params['E_tgt']
def decoder_forward(tgt_in, h_init, params, cell=rnn_cell):
    y, embed_cache = embedding_forward(tgt_in, params["E_src"])
    h_dec, cell_cache = cell.forward(y, h_init, params["dec_Wx"], params["dec_Wh"],
                                     params["dec_b"])
    scores, affine_cache = temporal_affine_forward(h_dec, params["Wy"], params["by"])
    return scores, (embed_cache, cell_cache, affine_cache)
