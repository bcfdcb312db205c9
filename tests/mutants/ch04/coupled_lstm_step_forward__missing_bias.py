# Wrong: leaves out the gate biases.
# Names: bias b is never added
def coupled_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh
    i = sigmoid(a[:, :H])
    o = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:])
    next_c = (1 - i) * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = (x, prev_h, prev_c, Wx, Wh, i, o, g, tanh_c)
    return next_h, next_c, cache
