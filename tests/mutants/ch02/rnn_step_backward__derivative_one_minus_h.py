# Wrong: uses 1 - next_h (not squared) as the tanh derivative.
# Names: (squared); you use 1 - next_h
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
