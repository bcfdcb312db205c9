# Wrong: the hidden state shows the raw cell state.
# Names: tanh on the cell state is missing
def peephole_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, P):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b                    # (N, 4H)
    i = sigmoid(a[:, :H] + P[0] * prev_c)           # the input gate sees c_{t-1}
    f = sigmoid(a[:, H:2 * H] + P[1] * prev_c)      # so does the forget gate
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g                     # (N, H)
    o = sigmoid(a[:, 2 * H:3 * H] + P[2] * next_c)  # the output gate sees c_t
    tanh_c = np.tanh(next_c)
    next_h = o * next_c                             # (N, H)
    cache = (x, prev_h, prev_c, next_c, Wx, Wh, P, i, f, o, g, tanh_c)
    return next_h, next_c, cache
