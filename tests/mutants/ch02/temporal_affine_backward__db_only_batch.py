# Wrong: sums the bias gradient over the batch axis only and keeps the last step's sum.
# Names: db keeps only the last step's sum
def temporal_affine_backward(dout, cache):
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = dout @ W.T
    dW = h.reshape(N * T, H).T @ dout.reshape(N * T, V)
    return dh, dW, dout.sum(axis=0)[-1]
