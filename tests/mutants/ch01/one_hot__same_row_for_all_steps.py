# Wrong: uses only the first time step's index for every step.
# Names: first step
def one_hot(indices, vocab_size):
    N, T = indices.shape
    x = np.zeros((N, T, vocab_size))
    for n in range(N):
        x[n, :, indices[n, 0]] = 1.0
    return x
