# Wrong: the candidate uses a sigmoid instead of tanh.
# Names: candidate g uses a sigmoid
def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b      # (N, 4H): all four gates in one product
    i = sigmoid(a[:, :H])             # input gate      (N, H)
    f = sigmoid(a[:, H:2 * H])        # forget gate     (N, H)
    o = sigmoid(a[:, 2 * H:3 * H])    # output gate     (N, H)
    g = sigmoid(a[:, 3 * H:])         # candidate cell  (N, H)
    next_c = f * prev_c + i * g       # (N, H)
    tanh_c = np.tanh(next_c)          # (N, H)
    next_h = o * tanh_c               # (N, H)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache
