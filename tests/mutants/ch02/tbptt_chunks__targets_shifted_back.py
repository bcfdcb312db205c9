# Wrong: the targets are the previous tokens (shifted the wrong way, wrapping around).
# Names: shifted the wrong way
def tbptt_chunks(tokens, N, T):
    K = (len(tokens) - 1) // N // T
    inputs = tokens[:N * K * T].reshape(N, K, T).transpose(1, 0, 2)
    targets = np.roll(tokens[:N * K * T], 1).reshape(N, K, T).transpose(1, 0, 2)
    return inputs, targets
