# Wrong: averages the weight and bias gradients over the time steps instead of summing.
# Names: averaged over time
def temporal_affine_backward(dout, cache):
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = dout @ W.T
    dW = h.reshape(N * T, H).T @ dout.reshape(N * T, V) / T
    return dh, dW, dout.sum(axis=(0, 1)) / T
