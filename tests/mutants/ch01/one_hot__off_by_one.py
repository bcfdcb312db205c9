# Wrong: shifts every index by one (the 1 lands in the next column, wrapping around).
# Names: shifted
def one_hot(indices, vocab_size):
    N, T = indices.shape
    x = np.zeros((N, T, vocab_size))
    x[np.arange(N)[:, None], np.arange(T)[None, :], (indices + 1) % vocab_size] = 1.0
    return x
