# Wrong: reads x as time-major, stepping over the batch axis.
# Localised: h
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        step_x = x.reshape(T, N, -1)[t]
        prev_h, cache = rnn_step_forward(step_x, prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
