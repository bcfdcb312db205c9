# Wrong: always samples at temperature 1, ignoring the argument.
# Names: temperature 1 whatever the temperature
def sample_chars(params, prefix, length, temperature, rng):
    N, _P = prefix.shape
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    x, _ = embedding_forward(prefix, params["W_embed"])
    h, _ = rnn_forward(x, np.zeros((N, Wh.shape[0])), Wx, Wh, b)
    prev_h = h[:, -1]
    out = np.empty((N, length), dtype=np.int64)
    for i in range(length):
        out[:, i] = sample_token(prev_h @ params["Wy"] + params["by"], 1.0, rng)
        prev_h, _ = rnn_step_forward(params["W_embed"][out[:, i]], prev_h, Wx, Wh, b)
    return out
