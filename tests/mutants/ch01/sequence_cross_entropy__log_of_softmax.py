# Wrong: takes the log of a (stable) softmax, which is log(0) = -inf where another
# token's score dominates the target's.
# Names: log(0); log-softmax
def sequence_cross_entropy(scores, targets, mask):
    N, T, V = scores.shape
    shifted = scores - scores.max(axis=-1, keepdims=True)
    probs = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    loss = 0.0
    for n in range(N):
        for t in range(T):
            if mask[n, t]:
                loss -= np.log(probs[n, t, targets[n, t]])
    return loss / N
