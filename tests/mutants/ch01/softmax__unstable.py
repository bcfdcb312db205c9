# Wrong: exponentiates raw scores, which overflows for large scores.
# Names: overflows
def softmax(scores):
    e = np.exp(scores)
    return e / e.sum(axis=-1, keepdims=True)
