# Wrong: cuts consecutive pieces of T tokens and deals them out across rows, so row n of
# chunk k+1 does not continue row n of chunk k.
# Names: deal consecutive pieces
def tbptt_chunks(tokens, N, T):
    K = (len(tokens) - 1) // N // T
    inputs = tokens[:N * K * T].reshape(K, N, T)
    targets = tokens[1:N * K * T + 1].reshape(K, N, T)
    return inputs, targets
