# Wrong: dE[src] = dx keeps only one gradient per repeated token instead of adding them.
# Names: last write wins; np.add.at
def encoder_backward(dh_enc, cache, cell=rnn_cell):
    (src, E), cell_cache = cache
    dx, _dh0, dWx, dWh, db = cell.backward(dh_enc, cell_cache)
    dE = np.zeros_like(E)
    dE[src] = dx
    return {"E_src": dE, "enc_Wx": dWx, "enc_Wh": dWh, "enc_b": db}
