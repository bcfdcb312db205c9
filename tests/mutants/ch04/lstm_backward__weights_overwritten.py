# Wrong: assigns the weight gradients at every step (dWx = ...) instead of adding them up.
# Names: only step 0's contribution; +=
def lstm_backward(dh, cache):
    x, h0, Wx, Wh, gates, c, tanh_c, h = cache
    N, T, H = dh.shape
    dx = np.zeros_like(x)
    dnext_h = np.zeros((N, H))
    dnext_c = np.zeros((N, H))
    for t in reversed(range(T)):
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        prev_h = h[:, t - 1] if t > 0 else h0
        prev_c = c[:, t - 1] if t > 0 else np.zeros((N, H))
        step_cache = (x[:, t], prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c[:, t])
        dx[:, t], dnext_h, dnext_c, dWx, dWh, db = lstm_step_backward(
            dh[:, t] + dnext_h, dnext_c, step_cache)
    return dx, dnext_h, dWx, dWh, db
