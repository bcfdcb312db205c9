# Wrong: exponentiates the scores but never normalises them.
# Names: never divided by their sum; each row sums to 1
def additive_attention_forward(query, keys, Wq, Wk, v):
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)
    scores = hidden @ v
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = np.exp(scores)
    context = (weights[:, None, :] @ keys)[:, 0]
    return context, weights, (query, keys, Wq, Wk, v, hidden, weights)
