# Wrong: returns a running sum of the embeddings (a bag of words) instead of one per step.
# Names: running bag of words
def embedding_forward(indices, W):
    return np.cumsum(W[indices], axis=1), (indices, W)
