# Wrong: restarts the cell state from zeros at every step.
# Names: restarts from zeros at every step
def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    H = h0.shape[1]
    x_proj = x @ Wx + b                  # (N, T, 4H): the inputs' part, all steps at once
    gates = np.empty((N, T, 4 * H))      # activations i, f, o, g of every step
    c = np.empty((N, T, H))              # cell states
    tanh_c = np.empty((N, T, H))
    h = np.empty((N, T, H))
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        a = x_proj[:, t] + prev_h @ Wh                  # (N, 4H)
        gates[:, t, :3 * H] = sigmoid(a[:, :3 * H])     # i, f, o
        gates[:, t, 3 * H:] = np.tanh(a[:, 3 * H:])     # g
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))  # views
        c[:, t] = f * prev_c + i * g
        tanh_c[:, t] = np.tanh(c[:, t])
        h[:, t] = o * tanh_c[:, t]
        prev_h, prev_c = h[:, t], np.zeros_like(h0)
    cache = (x, h0, Wx, Wh, gates, c, tanh_c, h)
    return h, cache
