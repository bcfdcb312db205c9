# Wrong: dc leaves out the path through the output gate's peephole.
# Names: dc leaves out the output peephole's path
def peephole_lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, next_c, Wx, Wh, P, i, f, o, g, tanh_c = cache
    da_o = dnext_h * tanh_c * o * (1 - o)             # (N, H)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da_i = dc * g * i * (1 - i)
    da_f = dc * prev_c * f * (1 - f)
    da_g = dc * i * (1 - g ** 2)
    dprev_c = dc * f + da_i * P[0] + da_f * P[1]      # three paths into c_{t-1}
    da = np.concatenate([da_i, da_f, da_o, da_g], axis=1)  # (N, 4H)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    dP = np.stack([(da_i * prev_c).sum(axis=0),       # (3, H)
                   (da_f * prev_c).sum(axis=0),
                   (da_o * next_c).sum(axis=0)])
    return dx, dprev_h, dprev_c, dWx, dWh, db, dP
