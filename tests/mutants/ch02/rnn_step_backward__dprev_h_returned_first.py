# Wrong: returns (dprev_h, dx, ...), swapping the first two gradients.
# Names: dx and dprev_h are swapped
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    return dprev_h, dx, x.T @ da, prev_h.T @ da, da.sum(axis=0)
