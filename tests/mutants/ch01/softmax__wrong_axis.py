# Wrong: normalises over the first axis (columns) instead of the last.
# Names: first axis
def softmax(scores):
    shifted = scores - scores.max(axis=0, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=0, keepdims=True)
