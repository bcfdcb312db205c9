# Wrong: normalises along axis 1, which is the last axis only for 2-D scores.
# Names: axis 1; axis=-1
def softmax(scores):
    shifted = scores - scores.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)
