# Wrong: stores the gradient of step t at dx[:, T-1-t] (a time reversal of dx).
# Names: dx is stored in reverse time order
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dWx, dWh, db = 0.0, 0.0, 0.0
    dprev_h = np.zeros((N, H))
    for i, t in enumerate(reversed(range(T))):
        dx[:, i], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[:, t] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
