# Wrong: takes the tanh derivative as 1 - tanh(next_h)**2, applying tanh to the output again.
# Names: apply tanh again
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - np.tanh(next_h) ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
