# Wrong: sums the squared errors over the batch instead of averaging them (loss and gradients N times too large).
# Names: sum the squared errors; mean
def regressor_loss(cell, params, x, y):
    N = x.shape[0]
    H = params["Wy"].shape[0]
    h, cache = cell.forward(x, np.zeros((N, H)), params)
    last = h[:, -1]
    pred = last @ params["Wy"] + params["by"]
    err = pred[:, 0] - y
    loss = float(np.sum(err ** 2))
    dpred = 2.0 * err[:, None]
    dh = np.zeros_like(h)
    dh[:, -1] = dpred @ params["Wy"].T
    _dx, _dh0, grads = cell.backward(dh, cache)
    grads["Wy"] = last.T @ dpred
    grads["by"] = dpred.sum(axis=0)
    return loss, grads
