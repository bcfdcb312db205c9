# Wrong: normalises the weights over the batch axis instead of the source positions.
# Names: batch axis (axis 0); axis=1
def additive_attention_forward(query, keys, Wq, Wk, v):
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)
    scores = hidden @ v
    shifted = np.exp(scores - scores.max(axis=0, keepdims=True))
    weights = shifted / shifted.sum(axis=0, keepdims=True)
    context = (weights[:, None, :] @ keys)[:, 0]
    return context, weights, (query, keys, Wq, Wk, v, hidden, weights)
