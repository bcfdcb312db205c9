# Wrong: uses the sigmoid's derivative g * (1 - g) for the tanh candidate.
# Names: candidate's derivative is the sigmoid's; 1 - g**2
def lstm_step_backward(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)  # (N, H): both paths into next_c
    do = dnext_h * tanh_c
    di = dc * g
    df = dc * prev_c
    dg = dc * i
    dprev_c = dc * f                                 # the additive path: one product
    da = np.concatenate([di * i * (1 - i),           # (N, 4H), blocks i, f, o, g
                         df * f * (1 - f),
                         do * o * (1 - o),
                         dg * g * (1 - g)], axis=1)
    dx = da @ Wx.T                                   # (N, D)
    dprev_h = da @ Wh.T                              # (N, H)
    dWx = x.T @ da                                   # (D, 4H)
    dWh = prev_h.T @ da                              # (H, 4H)
    db = da.sum(axis=0)                              # (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db
