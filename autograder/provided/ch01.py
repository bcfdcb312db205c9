"""Reference code of ch01, generated from solutions/ch01/ch01.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np

def one_hot(indices, vocab_size):
    """One-hot encode a batch of token index sequences.

    Inputs:
    - indices: integer array of shape (N, T), entries in [0, vocab_size)
    - vocab_size: V, the number of words in the vocabulary

    Returns:
    - x: float array of shape (N, T, V) with x[n, t, indices[n, t]] = 1, zeros elsewhere
    """
    N, T = indices.shape
    x = np.zeros((N, T, vocab_size))  # (N, T, V)
    x[np.arange(N)[:, None], np.arange(T)[None, :], indices] = 1.0
    return x

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One time step of a vanilla (Elman) RNN with a tanh activation.

    Inputs:
    - x: input for this step, shape (N, D)
    - prev_h: hidden state from the previous step, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: bias, shape (H,)

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - cache: values needed by the backward pass
    """
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)  # (N, H)
    cache = (x, prev_h, Wx, Wh, next_h)
    return next_h, cache

def rnn_forward(x, h0, Wx, Wh, b):
    """Vanilla RNN forward pass over a whole sequence (batch-first).

    Inputs:
    - x: input sequence, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input-to-hidden weights, shape (D, H)
    - Wh: hidden-to-hidden weights, shape (H, H)
    - b: bias, shape (H,)

    Returns a tuple of:
    - h: hidden states for all time steps, shape (N, T, H)
    - cache: values needed by the backward pass
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    h = np.empty((N, T, H))  # (N, T, H)
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        step_caches.append(step_cache)
    return h, step_caches

def softmax(scores):
    """Softmax along the last axis, stable for large scores.

    Inputs:
    - scores: array of shape (..., V)

    Returns:
    - probs: array of the same shape; each slice along the last axis sums to 1
    """
    shifted = scores - scores.max(axis=-1, keepdims=True)  # (..., V), max is 0
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)

def sequence_cross_entropy(scores, targets, mask):
    """Softmax cross-entropy summed over time and averaged over the batch.

    Inputs:
    - scores: unnormalised scores, shape (N, T, V)
    - targets: correct token indices, integers of shape (N, T), entries in [0, V)
    - mask: boolean array of shape (N, T); False marks padding, which adds no loss

    Returns:
    - loss: a float
    """
    N, T, _ = scores.shape
    shifted = scores - scores.max(axis=-1, keepdims=True)  # (N, T, V)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    picked = log_probs[np.arange(N)[:, None], np.arange(T)[None, :], targets]  # (N, T)
    return float(-(picked * mask).sum() / N)

def sample_token(scores, temperature, rng):
    """Sample one token per row from softmax(scores / temperature).

    Inputs:
    - scores: unnormalised scores, shape (N, V)
    - temperature: a float >= 0; 0 means argmax (greedy)
    - rng: a numpy random Generator (np.random.default_rng)

    Returns:
    - tokens: integer array of shape (N,) with entries in [0, V)
    """
    if temperature == 0:
        return scores.argmax(axis=-1)
    probs = softmax(scores / temperature)  # (N, V)
    cumulative = probs.cumsum(axis=-1)     # inverse-CDF sampling, one uniform per row
    u = rng.random((scores.shape[0], 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < u).sum(axis=-1), scores.shape[1] - 1)
