# Wrong: keeps only one step's weight gradients instead of summing them over time.
# Names: overwritten at every step
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx, dWh, db = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
    return dx, dprev_h, dWx, dWh, db
