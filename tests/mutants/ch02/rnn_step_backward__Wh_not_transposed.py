# Wrong: dprev_h multiplies by Wh instead of Wh.T (a square matrix, so the shapes still fit).
# Names: not Wh transposed; da @ Wh.T
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    return da @ Wx.T, da @ Wh, x.T @ da, prev_h.T @ da, da.sum(axis=0)
