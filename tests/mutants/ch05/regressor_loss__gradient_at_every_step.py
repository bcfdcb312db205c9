# Wrong: feeds the output gradient into every time step, although only the last state is read.
# Names: every time step; only the last state is read
def regressor_loss(cell, params, x, y):
    N = x.shape[0]
    H = params["Wy"].shape[0]
    h, cache = cell.forward(x, np.zeros((N, H)), params)
    last = h[:, -1]
    pred = last @ params["Wy"] + params["by"]
    err = pred[:, 0] - y
    loss = float(np.mean(err ** 2))
    dpred = (2.0 / N) * err[:, None]
    dh = np.zeros_like(h)
    dh[:] = (dpred @ params["Wy"].T)[:, None, :]
    _dx, _dh0, grads = cell.backward(dh, cache)
    grads["Wy"] = last.T @ dpred
    grads["by"] = dpred.sum(axis=0)
    return loss, grads
