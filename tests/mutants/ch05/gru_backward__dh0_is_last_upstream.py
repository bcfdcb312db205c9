# Wrong: returns the upstream gradient of the first step as dh0 instead of the dprev_h of step 0.
# Names: dh0 is dh[:, 0]; step 0 sends back
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
    return dx, dh[:, 0], dWx, dWh, dbx, dbh
