"""Reference code of ch02, generated from solutions/ch02/ch02.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np
# Chapter 1's forward pass, softmax, loss and sampler (the course's reference code).
from autograder.provided.ch01 import (rnn_step_forward, rnn_forward, softmax,
                                      sequence_cross_entropy, sample_token)

def rnn_step_backward(dnext_h, cache):
    """Backward pass of one vanilla RNN step (chapter 1's rnn_step_forward).

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - cache: the tuple (x, prev_h, Wx, Wh, next_h) that rnn_step_forward returned:
      x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), next_h (N, H)

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, H)
    - dWh: gradient with respect to Wh, shape (H, H)
    - db: gradient with respect to b, shape (H,)
    """
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h ** 2)  # (N, H): back through tanh, at its output
    dx = da @ Wx.T                      # (N, D)
    dprev_h = da @ Wh.T                 # (N, H)
    dWx = x.T @ da                      # (D, H)
    dWh = prev_h.T @ da                 # (H, H)
    db = da.sum(axis=0)                 # (H,)
    return dx, dprev_h, dWx, dWh, db

def rnn_backward(dh, cache):
    """Backward pass of a vanilla RNN over a whole sequence (backpropagation through time).

    Inputs:
    - dh: upstream gradient of all hidden states, shape (N, T, H): dh[:, t] is the
      gradient of the loss with respect to h[:, t] through everything except the
      recurrence itself (typically the output layer)
    - cache: the list of T step caches that chapter 1's rnn_forward returned

    Returns a tuple of:
    - dx: gradient with respect to the inputs x, shape (N, T, D)
    - dh0: gradient with respect to the initial state h0, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, H)
    - dWh: gradient with respect to Wh, shape (H, H)
    - db: gradient with respect to b, shape (H,)
    """
    N, T, H = dh.shape
    D = cache[0][0].shape[1]
    dx = np.empty((N, T, D))          # (N, T, D)
    dWx, dWh, db = 0.0, 0.0, 0.0      # summed over time: the weights are shared
    dprev_h = np.zeros((N, H))        # nothing flows back into the last step
    for t in reversed(range(T)):
        dx[:, t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(
            dh[:, t] + dprev_h, cache[t])
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dprev_h, dWx, dWh, db

def embedding_forward(indices, W):
    """Look up the embedding vector of every token.

    Inputs:
    - indices: integer array of shape (N, T), entries in [0, V)
    - W: embedding matrix, shape (V, D): row i is the vector of token i

    Returns a tuple of:
    - out: embedded tokens, shape (N, T, D), out[n, t] = W[indices[n, t]]
    - cache: the tuple (indices, W)
    """
    out = W[indices]  # (N, T, D): fancy indexing copies the selected rows
    return out, (indices, W)

def embedding_backward(dout, cache):
    """Gradient of the loss with respect to the embedding matrix.

    Inputs:
    - dout: upstream gradient of the embedded tokens, shape (N, T, D)
    - cache: the tuple (indices, W) that embedding_forward returned

    Returns:
    - dW: gradient with respect to W, shape (V, D)
    """
    indices, W = cache
    dW = np.zeros_like(W)           # (V, D)
    np.add.at(dW, indices, dout)    # repeated tokens accumulate
    return dW

def temporal_affine_forward(h, W, b):
    """An affine layer applied at every time step (given, not graded).

    Inputs:
    - h: hidden states, shape (N, T, H)
    - W: weights, shape (H, V)
    - b: bias, shape (V,)

    Returns a tuple of:
    - out: scores, shape (N, T, V)
    - cache: the tuple (h, W)
    """
    N, T, H = h.shape
    out = (h.reshape(N * T, H) @ W + b).reshape(N, T, W.shape[1])  # (N, T, V)
    return out, (h, W)

def temporal_affine_backward(dout, cache):
    """Backward pass of temporal_affine_forward.

    Inputs:
    - dout: upstream gradient of the scores, shape (N, T, V)
    - cache: the tuple (h, W) that temporal_affine_forward returned

    Returns a tuple of:
    - dh: gradient with respect to h, shape (N, T, H)
    - dW: gradient with respect to W, shape (H, V)
    - db: gradient with respect to b, shape (V,)
    """
    h, W = cache
    N, T, H = h.shape
    V = W.shape[1]
    dh = dout @ W.T                                   # (N, T, H)
    dW = h.reshape(N * T, H).T @ dout.reshape(N * T, V)  # (H, V): sums over n and t
    db = dout.sum(axis=(0, 1))                        # (V,)
    return dh, dW, db

def temporal_softmax_loss(scores, targets, mask):
    """Masked softmax cross-entropy over time and its gradient with respect to the scores.

    Inputs:
    - scores: unnormalised scores, shape (N, T, V)
    - targets: correct token indices, integers of shape (N, T), entries in [0, V)
    - mask: boolean array of shape (N, T); False marks padding, which adds no loss

    Returns a tuple of:
    - loss: a float, summed over time steps and averaged over the batch (chapter 1)
    - dscores: gradient of the loss with respect to scores, shape (N, T, V)
    """
    N, T, V = scores.shape
    loss = sequence_cross_entropy(scores, targets, mask)
    dscores = softmax(scores)                                          # (N, T, V)
    dscores[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1.0
    dscores *= mask[:, :, None] / N                                    # padding: zero
    return loss, dscores
