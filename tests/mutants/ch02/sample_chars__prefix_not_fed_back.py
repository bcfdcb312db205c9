# Wrong: feeds the prefix's last character in at every step instead of the sampled one.
# Names: feeds the prefix's last character back in
def sample_chars(params, prefix, length, temperature, rng):
    N, _P = prefix.shape
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    x, _ = embedding_forward(prefix, params["W_embed"])
    h, _ = rnn_forward(x, np.zeros((N, Wh.shape[0])), Wx, Wh, b)
    prev_h = h[:, -1]
    out = np.empty((N, length), dtype=np.int64)
    for i in range(length):
        out[:, i] = sample_token(prev_h @ params["Wy"] + params["by"], temperature, rng)
        prev_h, _ = rnn_step_forward(params["W_embed"][prefix[:, -1]], prev_h, Wx, Wh, b)
    return out
