# Wrong: dE[tgt_in] = dy keeps one gradient per repeated token instead of adding them.
# Names: last write wins; np.add.at
def decoder_backward(dscores, cache, cell=rnn_cell):
    (tgt_in, E), cell_cache, affine_cache = cache
    dh_dec, dWy, dby = temporal_affine_backward(dscores, affine_cache)
    dy, dh_init, dWx, dWh, db = cell.backward(dh_dec, cell_cache)
    dE = np.zeros_like(E)
    dE[tgt_in] = dy
    grads = {"E_tgt": dE, "dec_Wx": dWx, "dec_Wh": dWh, "dec_b": db, "Wy": dWy, "by": dby}
    return dh_init, grads
