# Wrong: uses the sigmoid's derivative h * (1 - h) for the tanh.
# Names: sigmoid's derivative
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * next_h * (1.0 - next_h)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
