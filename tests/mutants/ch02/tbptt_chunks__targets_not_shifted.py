# Wrong: the targets are the inputs themselves, not the next tokens.
# Names: targets are the inputs themselves
def tbptt_chunks(tokens, N, T):
    K = (len(tokens) - 1) // N // T
    inputs = tokens[:N * K * T].reshape(N, K, T).transpose(1, 0, 2)
    return inputs, inputs.copy()
