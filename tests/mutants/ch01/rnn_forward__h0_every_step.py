# Wrong: restarts from h0 at every step, so nothing is carried through time.
# Names: starts again from h0
def rnn_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    h = np.empty((N, T, h0.shape[1]))
    caches = []
    for t in range(T):
        h[:, t], cache = rnn_step_forward(x[:, t], h0, Wx, Wh, b)
        caches.append(cache)
    return h, caches
