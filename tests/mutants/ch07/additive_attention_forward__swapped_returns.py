# Wrong: returns (weights, context, cache) instead of (context, weights, cache).
# Names: you return (weights, context, cache); context (N, Hk) first
def additive_attention_forward(query, keys, Wq, Wk, v):
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)
    scores = hidden @ v
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = shifted / shifted.sum(axis=1, keepdims=True)
    context = (weights[:, None, :] @ keys)[:, 0]
    return weights, context, (query, keys, Wq, Wk, v, hidden, weights)
