# Wrong: divides by the sum over the whole array.
# Names: sum over the whole array
def softmax(scores):
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return e / e.sum()
