# Wrong: transposes the recurrent weights' gradient.
# Names: enc_Wh gradient is transposed
def encoder_backward(dh_enc, cache, cell=rnn_cell):
    embed_cache, cell_cache = cache
    dx, _dh0, dWx, dWh, db = cell.backward(dh_enc, cell_cache)
    return {"E_src": embedding_backward(dx, embed_cache), "enc_Wx": dWx, "enc_Wh": dWh.T,
            "enc_b": db}
