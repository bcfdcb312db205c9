# Wrong: forgets the direct term z * dnext_h of dprev_h (the path that keeps the old state).
# Names: direct path; z * dnext_h
def gru_step_backward(dnext_h, cache):
    prev_h, Wh, r, z, n = (cache[k] for k in ("prev_h", "Wh", "r", "z", "n"))
    H = prev_h.shape[1]
    dn = dnext_h * (1.0 - z)
    dz = dnext_h * (prev_h - n)
    dprev_h = np.zeros_like(prev_h)
    da_n = dn * (1.0 - n ** 2)
    if cache["reset_after"]:
        dr = da_n * cache["hn"]
        dhn = da_n * r
    else:
        du = da_n @ Wh[:, 2 * H:].T
        dr = du * prev_h
        dprev_h = dprev_h + du * r
    da_rz = np.concatenate([dr * r * (1.0 - r), dz * z * (1.0 - z)], axis=1)
    dxproj = np.concatenate([da_rz, da_n], axis=1)
    if cache["reset_after"]:
        dhproj = np.concatenate([da_rz, dhn], axis=1)
        dWh = prev_h.T @ dhproj
        dbh = dhproj.sum(axis=0)
        dprev_h = dprev_h + dhproj @ Wh.T
    else:
        dWh = np.concatenate([prev_h.T @ da_rz, cache["rh"].T @ da_n], axis=1)
        dbh = dxproj.sum(axis=0)
        dprev_h = dprev_h + da_rz @ Wh[:, :2 * H].T
    return dxproj, dprev_h, dWh, dbh
