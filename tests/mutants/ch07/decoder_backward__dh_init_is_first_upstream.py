# Wrong: takes the output layer's gradient of the first state as dh_init, skipping the
# first step's recurrence (dh_init must come out of cell.backward).
# Names: dh_dec[:, 0]; skips the recurrence
def decoder_backward(dscores, cache, cell=rnn_cell):
    embed_cache, cell_cache, affine_cache = cache
    dh_dec, dWy, dby = temporal_affine_backward(dscores, affine_cache)
    dy, _dh0, dWx, dWh, db = cell.backward(dh_dec, cell_cache)
    grads = {"E_tgt": embedding_backward(dy, embed_cache), "dec_Wx": dWx,
             "dec_Wh": dWh, "dec_b": db, "Wy": dWy, "by": dby}
    return dh_dec[:, 0], grads
