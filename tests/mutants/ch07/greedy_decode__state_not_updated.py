# Wrong: throws away the new state, so every step starts again from h_init.
# Names: new state is thrown away; starts again from h_init
def greedy_decode(step_fn, h_init, start, end, max_len):
    N = h_init.shape[0]
    tokens = np.full((N, max_len), end)
    previous = np.full(N, start)
    finished = np.zeros(N, dtype=bool)
    for t in range(max_len):
        log_probs, _ = step_fn(previous, h_init)
        previous = log_probs.argmax(axis=1)
        tokens[:, t] = np.where(finished, end, previous)
        finished |= previous == end
    return tokens
