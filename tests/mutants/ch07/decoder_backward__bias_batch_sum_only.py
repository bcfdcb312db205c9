# Wrong: sums the output bias gradient over the batch only, not over time (shape (Ty, V)).
# Names: batch axis only; axis=(0, 1)
def decoder_backward(dscores, cache, cell=rnn_cell):
    embed_cache, cell_cache, affine_cache = cache
    dh_dec, dWy, _dby = temporal_affine_backward(dscores, affine_cache)
    dy, dh_init, dWx, dWh, db = cell.backward(dh_dec, cell_cache)
    grads = {"E_tgt": embedding_backward(dy, embed_cache), "dec_Wx": dWx,
             "dec_Wh": dWh, "dec_b": db, "Wy": dWy, "by": dscores.sum(axis=0)}
    return dh_init, grads
