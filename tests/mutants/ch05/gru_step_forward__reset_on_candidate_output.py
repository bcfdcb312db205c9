# Wrong: applies the reset gate to the candidate's output instead of to its recurrent input.
# Names: multiplies the candidate's output
def gru_step_forward(xproj, prev_h, Wh, bh, reset_after=True):
    H = prev_h.shape[1]
    hproj = prev_h @ Wh + bh
    rz = sigmoid(xproj[:, :2 * H] + hproj[:, :2 * H])
    r, z = rz[:, :H], rz[:, H:]
    n = r * np.tanh(xproj[:, 2 * H:] + hproj[:, 2 * H:])
    next_h = (1.0 - z) * n + z * prev_h
    cache = {"hn": hproj[:, 2 * H:], "prev_h": prev_h, "Wh": Wh, "r": r, "z": z, "n": n,
             "reset_after": reset_after, "rh": r * prev_h}
    return next_h, cache
