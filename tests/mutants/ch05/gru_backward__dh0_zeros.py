# Wrong: returns zeros for dh0, as if the initial state had no gradient.
# Names: dh0 is all zeros
def gru_backward(dh, cache):
    x, Wx, step_caches = cache
    N, T, H = dh.shape
    D = x.shape[2]
    dxproj = np.empty((N, T, 3 * H))
    dWh = np.zeros((H, 3 * H))
    dbh = np.zeros(3 * H)
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dxproj[:, t], dprev_h, dWh_t, dbh_t = gru_step_backward(dh[:, t] + dprev_h,
                                                                step_caches[t])
        dWh += dWh_t
        dbh += dbh_t
    dx = dxproj @ Wx.T
    dWx = x.reshape(N * T, D).T @ dxproj.reshape(N * T, 3 * H)
    dbx = dxproj.sum(axis=(0, 1))
    dh0 = np.zeros((N, H))
    return dx, dh0, dWx, dWh, dbx, dbh
