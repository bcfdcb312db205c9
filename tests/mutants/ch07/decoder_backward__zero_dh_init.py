# Wrong: returns a zero gradient for the initial state, so the encoder never learns.
# Names: dh_init is zero; dh0 that cell.backward gives
def decoder_backward(dscores, cache, cell=rnn_cell):
    embed_cache, cell_cache, affine_cache = cache
    dh_dec, dWy, dby = temporal_affine_backward(dscores, affine_cache)
    dy, dh_init, dWx, dWh, db = cell.backward(dh_dec, cell_cache)
    grads = {"E_tgt": embedding_backward(dy, embed_cache), "dec_Wx": dWx,
             "dec_Wh": dWh, "dec_b": db, "Wy": dWy, "by": dby}
    return np.zeros_like(dh_init), grads
