# Wrong: feeds the upstream gradient in reversed time order.
# Names: reversed in time; time order
def encoder_backward(dh_enc, cache, cell=rnn_cell):
    embed_cache, cell_cache = cache
    dx, _dh0, dWx, dWh, db = cell.backward(dh_enc[:, ::-1], cell_cache)
    return {"E_src": embedding_backward(dx, embed_cache), "enc_Wx": dWx, "enc_Wh": dWh,
            "enc_b": db}
