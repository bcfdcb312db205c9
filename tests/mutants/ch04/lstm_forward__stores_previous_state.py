# Wrong: stores the state before each step (h[:, t] = h_{t-1}, h[:, 0] = h0).
# Names: state before step t; after reading x[:, t]
def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.zeros((N, T, h0.shape[1]))
    prev_h, prev_c = h0, np.zeros_like(h0)
    caches = []
    for t in range(T):
        h[:, t] = prev_h
        prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        caches.append(cache)
    return h, caches
