# Wrong: computes K without the room for the last target and then drops one chunk to be safe.
# Names: one chunk too few
def tbptt_chunks(tokens, N, T):
    K = len(tokens) // N // T - 1
    S = K * T
    inputs = tokens[:N * S].reshape(N, K, T).transpose(1, 0, 2)
    targets = tokens[1:N * S + 1].reshape(N, K, T).transpose(1, 0, 2)
    return inputs, targets
