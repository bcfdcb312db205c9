# Wrong: dh = dout @ W-like product without the transpose, reshaped to fit.
# Names: reshape W to (V, H) instead of transposing
def temporal_affine_backward(dout, cache):
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = (dout.reshape(N * T, V) @ W.reshape(V, H)).reshape(N, T, H)
    dW = h.reshape(N * T, H).T @ dout.reshape(N * T, V)
    return dh, dW, dout.sum(axis=(0, 1))
