# Wrong: does not pass reset_after on, so every step uses the step's default convention.
# Names: pass reset_after on
def gru_forward(x, h0, Wx, Wh, bx, bh, reset_after=True):
    N, T, _ = x.shape
    H = h0.shape[1]
    xproj = x @ Wx + bx
    h = np.empty((N, T, H))
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = gru_step_forward(xproj[:, t], prev_h, Wh, bh)
        h[:, t] = prev_h
        step_caches.append(step_cache)
    return h, (x, Wx, step_caches)
