# Wrong: projects the inputs without the input bias bx.
# Names: input bias bx
def gru_forward(x, h0, Wx, Wh, bx, bh, reset_after=True):
    N, T, _ = x.shape
    H = h0.shape[1]
    xproj = x @ Wx
    h = np.empty((N, T, H))
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = gru_step_forward(xproj[:, t], prev_h, Wh, bh, reset_after)
        h[:, t] = prev_h
        step_caches.append(step_cache)
    return h, (x, Wx, step_caches)
