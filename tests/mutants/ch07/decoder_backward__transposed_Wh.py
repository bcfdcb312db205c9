# Wrong: transposes the recurrent weights' gradient.
# Names: dec_Wh gradient is transposed
def decoder_backward(dscores, cache, cell=rnn_cell):
    embed_cache, cell_cache, affine_cache = cache
    dh_dec, dWy, dby = temporal_affine_backward(dscores, affine_cache)
    dy, dh_init, dWx, dWh, db = cell.backward(dh_dec, cell_cache)
    grads = {"E_tgt": embedding_backward(dy, embed_cache), "dec_Wx": dWx,
             "dec_Wh": dWh.T, "dec_b": db, "Wy": dWy, "by": dby}
    return dh_init, grads
