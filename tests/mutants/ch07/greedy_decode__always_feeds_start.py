# Wrong: feeds `start` at every step instead of the token just predicted.
# Names: feed `start` at every step; token just predicted
def greedy_decode(step_fn, h_init, start, end, max_len):
    N = h_init.shape[0]
    tokens = np.full((N, max_len), end)
    finished = np.zeros(N, dtype=bool)
    state = h_init
    for t in range(max_len):
        log_probs, state = step_fn(np.full(N, start), state)
        predicted = log_probs.argmax(axis=1)
        tokens[:, t] = np.where(finished, end, predicted)
        finished |= predicted == end
    return tokens
