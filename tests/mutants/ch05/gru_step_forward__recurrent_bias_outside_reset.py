# Wrong: with the reset after the product, bh_n is added outside r * (...) instead of inside.
# Names: bh_n; outside; inside
def gru_step_forward(xproj, prev_h, Wh, bh, reset_after=True):
    H = prev_h.shape[1]
    if reset_after:
        hproj = prev_h @ Wh                                   # bias left out here...
        rz = sigmoid(xproj[:, :2 * H] + hproj[:, :2 * H] + bh[:2 * H])
        r, z = rz[:, :H], rz[:, H:]
        hn = hproj[:, 2 * H:]
        n = np.tanh(xproj[:, 2 * H:] + r * hn + bh[2 * H:])   # ...and added unreset here
        cache = {"hn": hn}
    else:
        rz = sigmoid(xproj[:, :2 * H] + prev_h @ Wh[:, :2 * H] + bh[:2 * H])
        r, z = rz[:, :H], rz[:, H:]
        rh = r * prev_h
        n = np.tanh(xproj[:, 2 * H:] + rh @ Wh[:, 2 * H:] + bh[2 * H:])
        cache = {"rh": rh}
    next_h = (1.0 - z) * n + z * prev_h
    cache.update(prev_h=prev_h, Wh=Wh, r=r, z=z, n=n, reset_after=reset_after)
    return next_h, cache
