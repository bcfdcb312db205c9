# Wrong: backpropagates only the last state's gradient, dropping the other steps' shares.
# Names: only the last state's gradient; whole dh_enc
def encoder_backward(dh_enc, cache, cell=rnn_cell):
    embed_cache, cell_cache = cache
    dh = np.zeros_like(dh_enc)
    dh[:, -1] = dh_enc[:, -1]
    dx, _dh0, dWx, dWh, db = cell.backward(dh, cell_cache)
    return {"E_src": embedding_backward(dx, embed_cache), "enc_Wx": dWx, "enc_Wh": dWh,
            "enc_b": db}
