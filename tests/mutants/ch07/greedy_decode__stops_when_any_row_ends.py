# Wrong: stops the whole batch as soon as one row has finished.
# Names: stop the whole batch; every row has finished
def greedy_decode(step_fn, h_init, start, end, max_len):
    N = h_init.shape[0]
    tokens = np.full((N, max_len), end)
    previous, state = np.full(N, start), h_init
    for t in range(max_len):
        log_probs, state = step_fn(previous, state)
        previous = log_probs.argmax(axis=1)
        tokens[:, t] = previous
        if (previous == end).any():
            break
    return tokens
