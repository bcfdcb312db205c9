# Wrong: stores the state before each step instead of after it (h[:, 0] = h0).
# Names: state before step t
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    prev_h, caches = h0, []
    for t in range(T):
        h[:, t] = prev_h
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        caches.append(cache)
    return h, caches
