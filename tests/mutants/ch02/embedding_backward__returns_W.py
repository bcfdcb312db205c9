# Wrong: starts the gradient from the weights (np.copy(W)) instead of zeros.
# Names: starts from a copy of W
def embedding_backward(dout, cache):
    indices, W = cache
    dW = W.copy()
    np.add.at(dW, indices, dout)
    return dW
