# Wrong: dW = dout.T @ h (shape (V, H)) transposed back by reshape, scrambling entries.
# Names: scrambles it; dW = h.T @ dout
def temporal_affine_backward(dout, cache):
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = dout @ W.T
    dW = (dout.reshape(N * T, V).T @ h.reshape(N * T, H)).reshape(H, V)
    return dh, dW, dout.sum(axis=(0, 1))
