# Wrong: puts the start token in the output, shifting everything right by one.
# Names: begins with the start token; shifted right
def greedy_decode(step_fn, h_init, start, end, max_len):
    N = h_init.shape[0]
    tokens = np.full((N, max_len), end)
    tokens[:, 0] = start
    previous = np.full(N, start)
    finished = np.zeros(N, dtype=bool)
    state = h_init
    for t in range(1, max_len):
        log_probs, state = step_fn(previous, state)
        previous = log_probs.argmax(axis=1)
        tokens[:, t] = np.where(finished, end, previous)
        finished |= previous == end
    return tokens
