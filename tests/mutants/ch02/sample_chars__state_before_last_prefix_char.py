# Wrong: samples the first character from the state before the last prefix character.
# Names: state before the prefix's last character
def sample_chars(params, prefix, length, temperature, rng):
    N, P = prefix.shape
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    x, _ = embedding_forward(prefix, params["W_embed"])
    h, _ = rnn_forward(x, np.zeros((N, Wh.shape[0])), Wx, Wh, b)
    prev_h = h[:, -2] if P > 1 else np.zeros((N, Wh.shape[0]))
    out = np.empty((N, length), dtype=np.int64)
    for i in range(length):
        out[:, i] = sample_token(prev_h @ params["Wy"] + params["by"], temperature, rng)
        prev_h, _ = rnn_step_forward(params["W_embed"][out[:, i]], prev_h, Wx, Wh, b)
    return out
