# Wrong: forgets to backpropagate through the tanh (uses dnext_h as the pre-activation gradient).
# Names: skips the tanh
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
