# Wrong: dWx = da.T @ x, shape (H, D) instead of Wx's (D, H).
# Names: dWx is transposed
def rnn_step_backward(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, da.T @ x, prev_h.T @ da, da.sum(axis=0)
