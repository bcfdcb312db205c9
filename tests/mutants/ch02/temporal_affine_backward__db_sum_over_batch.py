# Wrong: sums db over the batch axis only, returning shape (T, V).
# Names: db sums over the batch only
def temporal_affine_backward(dout, cache):
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = dout @ W.T
    dW = h.reshape(N * T, H).T @ dout.reshape(N * T, V)
    return dh, dW, dout.sum(axis=0)
