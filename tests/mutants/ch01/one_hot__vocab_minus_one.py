# Wrong: allocates V-1 columns, as if indices started at 1.
# Names: V - 1 columns
def one_hot(indices, vocab_size):
    N, T = indices.shape
    x = np.zeros((N, T, vocab_size - 1))
    for n in range(N):
        for t in range(T):
            if indices[n, t] > 0:
                x[n, t, indices[n, t] - 1] = 1.0
    return x
