# Wrong: averages the projected keys (keys @ Wk) instead of the keys.
# Names: projected keys; keys themselves
def additive_attention_forward(query, keys, Wq, Wk, v):
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)
    scores = hidden @ v
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = shifted / shifted.sum(axis=1, keepdims=True)
    context = (weights[:, None, :] @ (keys @ Wk))[:, 0]
    return context, weights, (query, keys, Wq, Wk, v, hidden, weights)
