# Wrong: takes the weight gradients from the first iteration only (the last step, t = T-1).
# Names: only the last step's (t = T-1)
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dprev_h = np.zeros((N, H))
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        if t == T - 1:
            dWx, dWh, db = dWx_t, dWh_t, db_t
    return dx, dprev_h, dWx, dWh, db
