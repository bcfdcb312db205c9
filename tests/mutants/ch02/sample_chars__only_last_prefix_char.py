# Wrong: reads only the last character of the prefix, forgetting the rest.
# Names: only the prefix's last character
def sample_chars(params, prefix, length, temperature, rng):
    N, _P = prefix.shape
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    prev_h, _ = rnn_step_forward(params["W_embed"][prefix[:, -1]], np.zeros((N, Wh.shape[0])),
                                 Wx, Wh, b)
    out = np.empty((N, length), dtype=np.int64)
    for i in range(length):
        out[:, i] = sample_token(prev_h @ params["Wy"] + params["by"], temperature, rng)
        prev_h, _ = rnn_step_forward(params["W_embed"][out[:, i]], prev_h, Wx, Wh, b)
    return out
