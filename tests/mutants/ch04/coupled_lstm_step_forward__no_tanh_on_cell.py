# Wrong: the hidden state shows the raw cell state.
# Names: tanh on the cell state is missing
def coupled_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b             # (N, 3H)
    i = sigmoid(a[:, :H])                    # input gate; the forget gate is 1 - i
    o = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:])
    next_c = (1 - i) * prev_c + i * g        # (N, H)
    tanh_c = np.tanh(next_c)
    next_h = o * next_c                      # (N, H)
    cache = (x, prev_h, prev_c, Wx, Wh, i, o, g, tanh_c)
    return next_h, next_c, cache
