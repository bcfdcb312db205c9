# Wrong: ignores reset_after and always applies the reset before the product (Cho et al.).
# Names: ignore reset_after; reset before the product
def gru_step_forward(xproj, prev_h, Wh, bh, reset_after=True):
    H = prev_h.shape[1]
    rz = sigmoid(xproj[:, :2 * H] + prev_h @ Wh[:, :2 * H] + bh[:2 * H])
    r, z = rz[:, :H], rz[:, H:]
    rh = r * prev_h
    n = np.tanh(xproj[:, 2 * H:] + rh @ Wh[:, 2 * H:] + bh[2 * H:])
    next_h = (1.0 - z) * n + z * prev_h
    cache = {"rh": rh, "prev_h": prev_h, "Wh": Wh, "r": r, "z": z, "n": n,
             "reset_after": False}
    return next_h, cache
