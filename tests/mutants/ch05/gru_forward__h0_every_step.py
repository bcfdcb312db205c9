# Wrong: starts every step from h0, so nothing is carried through time.
# Names: starts again from h0
def gru_forward(x, h0, Wx, Wh, bx, bh, reset_after=True):
    N, T, _ = x.shape
    H = h0.shape[1]
    xproj = x @ Wx + bx
    h = np.empty((N, T, H))
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = gru_step_forward(xproj[:, t], h0, Wh, bh, reset_after)
        h[:, t] = prev_h
        step_caches.append(step_cache)
    return h, (x, Wx, step_caches)
