# Wrong: pairs the indices transposed with dout, mixing up which step went to which row.
# Names: indices are transposed
def embedding_backward(dout, cache):
    indices, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, indices.T.reshape(indices.shape), dout)
    return dW
