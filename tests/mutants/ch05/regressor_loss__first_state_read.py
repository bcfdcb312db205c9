# Wrong: predicts from the first hidden state h[:, 0] instead of the last.
# Names: first hidden state; h[:, -1]
def regressor_loss(cell, params, x, y):
    N = x.shape[0]
    H = params["Wy"].shape[0]
    h, cache = cell.forward(x, np.zeros((N, H)), params)
    last = h[:, 0]
    pred = last @ params["Wy"] + params["by"]
    err = pred[:, 0] - y
    loss = float(np.mean(err ** 2))
    dpred = (2.0 / N) * err[:, None]
    dh = np.zeros_like(h)
    dh[:, 0] = dpred @ params["Wy"].T
    _dx, _dh0, grads = cell.backward(dh, cache)
    grads["Wy"] = last.T @ dpred
    grads["by"] = dpred.sum(axis=0)
    return loss, grads
