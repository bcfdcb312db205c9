# Wrong: the path through next_h skips the tanh derivative.
# Names: skips the tanh's derivative
def coupled_lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o  # (N, H)
    di = dc * (g - prev_c)                           # i writes g and, via f = 1 - i, erases c
    do = dnext_h * tanh_c
    dg = dc * i
    dprev_c = dc * (1 - i)
    da = np.concatenate([di * i * (1 - i),           # (N, 3H), blocks i, o, g
                         do * o * (1 - o),
                         dg * (1 - g ** 2)], axis=1)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db
