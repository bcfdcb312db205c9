# Wrong: chunk k starts at step k (a sliding window of stride 1) instead of k*T.
# Names: sliding window
def tbptt_chunks(tokens, N, T):
    K = (len(tokens) - 1) // N // T
    S = K * T
    streams = tokens[:N * S + 1]
    inputs = np.stack([np.stack([streams[n * S + k: n * S + k + T] for n in range(N)])
                       for k in range(K)])
    targets = np.stack([np.stack([streams[n * S + k + 1: n * S + k + T + 1] for n in range(N)])
                        for k in range(K)])
    return inputs, targets
