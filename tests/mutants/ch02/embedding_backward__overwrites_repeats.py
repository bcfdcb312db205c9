# Wrong: dW[indices] += dout writes each repeated row once, so repeats overwrite each other.
# Names: keeps only its last gradient; np.add.at
def embedding_backward(dout, cache):
    indices, W = cache
    dW = np.zeros_like(W)
    dW[indices] += dout
    return dW
