# Wrong: treats the embedding as fixed and returns a zero gradient for it.
# Names: zero gradient; embedding_backward
def encoder_backward(dh_enc, cache, cell=rnn_cell):
    (src, E), cell_cache = cache
    dx, _dh0, dWx, dWh, db = cell.backward(dh_enc, cell_cache)
    return {"E_src": np.zeros_like(E), "enc_Wx": dWx, "enc_Wh": dWh, "enc_b": db}
