# Wrong: returns dWh where dWx goes and dWx where dWh goes.
# Names: dWx and dWh are swapped
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    dWx = x.T @ da
    dWh = prev_h.T @ da
    return da @ Wx.T, da @ Wh.T, dWh, dWx, da.sum(axis=0)
