# Wrong: always takes the most likely character, so no sampling happens at all.
# Localised: first generated character
def sample_chars(params, prefix, length, temperature, rng):
    N, _P = prefix.shape
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    x, _ = embedding_forward(prefix, params["W_embed"])
    h, _ = rnn_forward(x, np.zeros((N, Wh.shape[0])), Wx, Wh, b)
    prev_h = h[:, -1]
    out = np.empty((N, length), dtype=np.int64)
    for i in range(length):
        out[:, i] = (prev_h @ params["Wy"] + params["by"]).argmax(axis=-1)
        prev_h, _ = rnn_step_forward(params["W_embed"][out[:, i]], prev_h, Wx, Wh, b)
    return out
