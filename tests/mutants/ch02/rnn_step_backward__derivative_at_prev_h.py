# Wrong: takes the tanh derivative at the previous state prev_h instead of next_h.
# Names: tanh derivative at prev_h
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - prev_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
