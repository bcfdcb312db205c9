# Wrong: treats the softmax as elementwise (dscores = weights * dweights).
# Names: softmax as elementwise; subtract the weighted sum
def additive_attention_backward(dcontext, cache):
    query, keys, Wq, Wk, v, hidden, weights = cache
    N, S, A = hidden.shape
    dweights = (keys @ dcontext[:, :, None])[:, :, 0]
    dkeys = weights[:, :, None] * dcontext[:, None, :]
    dscores = weights * dweights
    dv = hidden.reshape(N * S, A).T @ dscores.reshape(N * S)
    dpre = dscores[:, :, None] * v * (1.0 - hidden ** 2)
    dWk = keys.reshape(N * S, -1).T @ dpre.reshape(N * S, A)
    dkeys += dpre @ Wk.T
    dquery_proj = dpre.sum(axis=1)
    return dquery_proj @ Wq.T, dkeys, query.T @ dquery_proj, dWk, dv
