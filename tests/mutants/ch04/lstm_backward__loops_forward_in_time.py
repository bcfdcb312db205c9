# Wrong: runs the backward loop forward in time, for t in range(T).
# Names: runs forward in time; reversed(range(T))
def lstm_backward(dh, cache):
    x, h0, Wx, Wh, gates, c, tanh_c, h = cache
    N, T, H = dh.shape
    da = np.zeros((N, T, 4 * H))
    dnext_h = np.zeros((N, H))
    dnext_c = np.zeros((N, H))
    for t in range(T):
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        prev_c = c[:, t - 1] if t > 0 else np.zeros((N, H))
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o * (1 - tanh_c[:, t] ** 2)
        da[:, t, :H] = dc * g * i * (1 - i)
        da[:, t, H:2 * H] = dc * prev_c * f * (1 - f)
        da[:, t, 2 * H:3 * H] = dh_t * tanh_c[:, t] * o * (1 - o)
        da[:, t, 3 * H:] = dc * i * (1 - g ** 2)
        dnext_c = dc * f
        dnext_h = da[:, t] @ Wh.T
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dx = da @ Wx.T
    dWx = x.reshape(N * T, -1).T @ da.reshape(N * T, -1)
    dWh = prev_h.reshape(N * T, H).T @ da.reshape(N * T, -1)
    db = da.sum(axis=(0, 1))
    return dx, dnext_h, dWx, dWh, db
