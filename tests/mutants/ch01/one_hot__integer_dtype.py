# Wrong: builds the vectors as integers; the docstring says a float array.
# Names: dtype int64; float array
def one_hot(indices, vocab_size):
    N, T = indices.shape
    x = np.zeros((N, T, vocab_size), dtype=int)
    for n in range(N):
        for t in range(T):
            x[n, t, indices[n, t]] = 1
    return x
