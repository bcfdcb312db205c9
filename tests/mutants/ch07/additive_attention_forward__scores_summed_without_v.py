# Wrong: sums the hidden layer instead of scoring it with v.
# Names: sum the hidden layer; @ v
def additive_attention_forward(query, keys, Wq, Wk, v):
    hidden = np.tanh((query @ Wq)[:, None, :] + keys @ Wk)
    scores = hidden.sum(axis=-1)
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    weights = shifted / shifted.sum(axis=1, keepdims=True)
    context = (weights[:, None, :] @ keys)[:, 0]
    return context, weights, (query, keys, Wq, Wk, v, hidden, weights)
