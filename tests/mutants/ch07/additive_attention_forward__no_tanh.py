# Wrong: leaves out the tanh, making the scores linear in query and keys.
# Names: tanh is missing
def additive_attention_forward(query, keys, Wq, Wk, v):
    hidden = (query @ Wq)[:, None, :] + keys @ Wk
    scores = hidden @ v
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = shifted / shifted.sum(axis=1, keepdims=True)
    context = (weights[:, None, :] @ keys)[:, 0]
    return context, weights, (query, keys, Wq, Wk, v, hidden, weights)
