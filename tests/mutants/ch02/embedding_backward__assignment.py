# Wrong: assigns the upstream gradient to the rows instead of accumulating it.
# Names: keeps only its last gradient; np.add.at
def embedding_backward(dout, cache):
    indices, W = cache
    dW = np.zeros_like(W)
    N, T = indices.shape
    for n in range(N):
        for t in range(T):
            dW[indices[n, t]] = dout[n, t]
    return dW
