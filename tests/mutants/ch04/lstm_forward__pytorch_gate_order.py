# Wrong: writes the loop inline and reads the gates in PyTorch's order i, f, g, o.
# Names: at every step; PyTorch; i, f, o, g
def lstm_forward(x, h0, Wx, Wh, b):
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.zeros((N, T, H))
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        a = x[:, t] @ Wx + prev_h @ Wh + b
        i = sigmoid(a[:, :H])
        f = sigmoid(a[:, H:2 * H])
        g = np.tanh(a[:, 2 * H:3 * H])
        o = sigmoid(a[:, 3 * H:])
        prev_c = f * prev_c + i * g
        prev_h = o * np.tanh(prev_c)
        h[:, t] = prev_h
    return h, (x, h0, Wx, Wh, b)
