# Wrong: returns (N, K, T), forgetting to put the chunk axis first.
# Names: move the chunk axis first; transpose(1, 0, 2)
def tbptt_chunks(tokens, N, T):
    K = (len(tokens) - 1) // N // T
    inputs = tokens[:N * K * T].reshape(N, K, T)
    targets = tokens[1:N * K * T + 1].reshape(N, K, T)
    return inputs, targets
