# Wrong: returns (targets, inputs), the two arrays in the wrong order.
# Names: inputs and targets are swapped
def tbptt_chunks(tokens, N, T):
    K = (len(tokens) - 1) // N // T
    S = K * T
    inputs = tokens[:N * S].reshape(N, K, T).transpose(1, 0, 2)
    targets = tokens[1:N * S + 1].reshape(N, K, T).transpose(1, 0, 2)
    return targets, inputs
