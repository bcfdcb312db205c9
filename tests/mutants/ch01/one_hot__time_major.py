# Wrong: returns time-major (T, N, V) instead of batch-first.
# Names: time-major; batch-first
def one_hot(indices, vocab_size):
    return np.eye(vocab_size)[indices.T]
