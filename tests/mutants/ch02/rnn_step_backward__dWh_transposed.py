# Wrong: dWh = da.T @ prev_h, the transpose of the right gradient (Wh is square, so it fits).
# Names: dWh is transposed; prev_h.T @ da
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, da.T @ prev_h, da.sum(axis=0)
