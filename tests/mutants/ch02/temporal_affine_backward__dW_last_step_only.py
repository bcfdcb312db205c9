# Wrong: computes dW from the last time step only, forgetting that W is shared over time.
# Names: dW uses the last time step only
def temporal_affine_backward(dout, cache):
    h, W = cache
    dh = dout @ W.T
    dW = h[:, -1].T @ dout[:, -1]
    return dh, dW, dout.sum(axis=(0, 1))
