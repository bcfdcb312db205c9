# Wrong: averages the gradients of a repeated token instead of summing them.
# Names: repeated token are averaged
def embedding_backward(dout, cache):
    indices, W = cache
    dW = np.zeros_like(W)
    np.add.at(dW, indices, dout)
    counts = np.bincount(indices.ravel(), minlength=W.shape[0])
    return dW / np.maximum(counts, 1)[:, None]
