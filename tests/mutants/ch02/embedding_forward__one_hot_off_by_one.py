# Wrong: indices treated as 1-based (row i-1 looked up).
# Names: row indices - 1
def embedding_forward(indices, W):
    return W[indices - 1], (indices, W)
