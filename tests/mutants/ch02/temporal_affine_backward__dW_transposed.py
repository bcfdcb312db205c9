# Wrong: dW = dout.T @ h, shape (V, H) instead of W's (H, V).
# Names: dW is transposed
def temporal_affine_backward(dout, cache):
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = dout @ W.T
    dW = dout.reshape(N * T, V).T @ h.reshape(N * T, H)
    return dh, dW, dout.sum(axis=(0, 1))
