# Wrong: predicts from the first hidden state instead of the last.
# Names: first hidden state; h[:, -1]
def adding_loss(params, x, y):
    N = x.shape[0]
    H = params["Wh"].shape[0]
    h, cache = lstm_forward(x, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])
    h_last = h[:, 0]                                   # (N, H)
    pred = h_last @ params["Wy"] + params["by"]         # (N, 1)
    err = pred[:, 0] - y                                # (N,)
    loss = float(np.mean(err ** 2))
    dpred = (2.0 / N) * err[:, None]                    # (N, 1)
    dh = np.zeros_like(h)                               # only the last step meets the loss
    dh[:, 0] = dpred @ params["Wy"].T
    _dx, _dh0, dWx, dWh, db = lstm_backward(dh, cache)
    grads = {"Wx": dWx, "Wh": dWh, "b": db,
             "Wy": h_last.T @ dpred,                    # (H, 1)
             "by": dpred.sum(axis=0)}                   # (1,)
    return loss, grads
