# Wrong: computes the loss from pred - y with pred of shape (N, 1) and y of shape (N,),
# which broadcasts to (N, N); the gradient uses the right (N,) error.
# Names: (N, N); pred[:, 0] - y
def adding_loss(params, x, y):
    N = x.shape[0]
    H = params["Wh"].shape[0]
    h, cache = lstm_forward(x, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])
    h_last = h[:, -1]
    pred = h_last @ params["Wy"] + params["by"]
    loss = float(np.mean((pred - y) ** 2))
    dpred = (2.0 / N) * (pred[:, 0] - y)[:, None]
    dh = np.zeros_like(h)
    dh[:, -1] = dpred @ params["Wy"].T
    _dx, _dh0, dWx, dWh, db = lstm_backward(dh, cache)
    grads = {"Wx": dWx, "Wh": dWh, "b": db, "Wy": h_last.T @ dpred,
             "by": dpred.sum(axis=0)}
    return loss, grads
