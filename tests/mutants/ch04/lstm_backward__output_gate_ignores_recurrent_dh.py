# Wrong: the output gate's gradient uses only dh[:, t].
# Names: output gate's gradient uses only dh[:, t]
def lstm_backward(dh, cache):
    x, h0, Wx, Wh, gates, c, tanh_c, h = cache
    N, T, H = dh.shape
    da = np.empty((N, T, 4 * H))         # gradients of the gates' pre-activations
    dnext_h = np.zeros((N, H))           # what step t + 1 sends back to h_t ...
    dnext_c = np.zeros((N, H))           # ... and to c_t
    zeros = np.zeros((N, H))
    for t in reversed(range(T)):
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        prev_c = c[:, t - 1] if t > 0 else zeros
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o * (1 - tanh_c[:, t] ** 2)       # (N, H)
        da[:, t, :H] = dc * g * i * (1 - i)                     # input gate
        da[:, t, H:2 * H] = dc * prev_c * f * (1 - f)           # forget gate
        da[:, t, 2 * H:3 * H] = dh[:, t] * tanh_c[:, t] * o * (1 - o)  # output gate
        da[:, t, 3 * H:] = dc * i * (1 - g ** 2)                # candidate
        dnext_c = dc * f                 # the cell path: elementwise, no matrix product
        dnext_h = da[:, t] @ Wh.T
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)   # (N, T, H): h_{t-1}
    da_flat = da.reshape(N * T, 4 * H)
    dx = da @ Wx.T                                              # (N, T, D)
    dWx = x.reshape(N * T, -1).T @ da_flat                      # (D, 4H)
    dWh = prev_h.reshape(N * T, H).T @ da_flat                  # (H, 4H)
    db = da_flat.sum(axis=0)                                    # (4H,)
    return dx, dnext_h, dWx, dWh, db
