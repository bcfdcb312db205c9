# Wrong: sums the bias gradient over the hidden units (axis 1) instead of the batch.
# Names: db sums over the hidden units; axis=0
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=1)
