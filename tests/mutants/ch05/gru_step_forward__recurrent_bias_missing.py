# Wrong: never adds the recurrent bias bh (only the input bias, inside xproj, is there).
# Names: recurrent bias bh is never added
def gru_step_forward(xproj, prev_h, Wh, bh, reset_after=True):
    H = prev_h.shape[1]
    if reset_after:
        hproj = prev_h @ Wh
        rz = sigmoid(xproj[:, :2 * H] + hproj[:, :2 * H])
        r, z = rz[:, :H], rz[:, H:]
        hn = hproj[:, 2 * H:]
        n = np.tanh(xproj[:, 2 * H:] + r * hn)
        cache = {"hn": hn}
    else:
        rz = sigmoid(xproj[:, :2 * H] + prev_h @ Wh[:, :2 * H])
        r, z = rz[:, :H], rz[:, H:]
        rh = r * prev_h
        n = np.tanh(xproj[:, 2 * H:] + rh @ Wh[:, 2 * H:])
        cache = {"rh": rh}
    next_h = (1.0 - z) * n + z * prev_h
    cache.update(prev_h=prev_h, Wh=Wh, r=r, z=z, n=n, reset_after=reset_after)
    return next_h, cache
