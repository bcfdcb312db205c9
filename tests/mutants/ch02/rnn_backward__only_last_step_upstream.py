# Wrong: feeds only the last step's upstream gradient in, as if the loss read only h_T.
# Names: only the last step's upstream gradient
def rnn_backward(dh, cache):
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))
    dWx, dWh, db = 0.0, 0.0, 0.0
    dprev_h = dh[:, -1]
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db
