# Wrong: looks up the flattened indices and returns (N*T, D) instead of (N, T, D).
# Names: flattened
def embedding_forward(indices, W):
    return W[indices.ravel()], (indices, W)
