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

def tbptt_chunks(tokens, N, T):
    """Arrange a token stream into N contiguous parallel streams cut into chunks of T steps.

    Inputs:
    - tokens: integer array of shape (L,)
    - N: number of parallel streams (batch rows)
    - T: number of time steps per chunk

    Returns a tuple of:
    - inputs: integer array of shape (K, N, T), K = ((L - 1) // N) // T;
      inputs[k, n] = tokens[n*K*T + k*T : n*K*T + (k+1)*T]
    - targets: integer array of shape (K, N, T), the next token of every input:
      targets[k, n, t] = tokens[n*K*T + k*T + t + 1]
    """
    K = (len(tokens) - 1) // N // T
    S = K * T                                                    # tokens per stream
    inputs = tokens[:N * S].reshape(N, K, T).transpose(1, 0, 2)  # (K, N, T)
    targets = tokens[1:N * S + 1].reshape(N, K, T).transpose(1, 0, 2)
    return inputs, targets

def init_char_rnn(V, D, H, rng):
    """Random parameters of a character-level RNN language model (given, not graded).

    Returns a dict: W_embed (V, D), Wx (D, H), Wh (H, H), b (H,), Wy (H, V), by (V,).
    """
    return {"W_embed": rng.standard_normal((V, D)),                  # (V, D)
            "Wx": rng.standard_normal((D, H)) / np.sqrt(D),          # (D, H)
            "Wh": 0.5 * rng.standard_normal((H, H)) / np.sqrt(H),    # (H, H)
            "b": np.zeros(H),                                        # (H,)
            "Wy": rng.standard_normal((H, V)) / np.sqrt(H),          # (H, V)
            "by": np.zeros(V)}                                       # (V,)


def clip_gradients(grads, limit):
    """Scale all gradients in place so that their joint L2 norm is at most limit.

    Returns the norm before clipping (given, not graded).
    """
    norm = float(np.sqrt(sum((g * g).sum() for g in grads.values())))
    if norm > limit:
        for g in grads.values():
            g *= limit / norm
    return norm


def adam_step(params, grads, state, learning_rate, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update of every parameter, in place (given, not graded).

    state is a dict, empty before the first step; adam_step keeps its running averages
    of each gradient and of its square there, and the step count.
    """
    t = state["t"] = state.get("t", 0) + 1
    for name, grad in grads.items():
        m, v = state.get(name, (np.zeros_like(grad), np.zeros_like(grad)))
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        state[name] = (m, v)
        m_hat, v_hat = m / (1 - beta1 ** t), v / (1 - beta2 ** t)  # bias correction
        params[name] -= learning_rate * m_hat / (np.sqrt(v_hat) + eps)

def char_rnn_loss(params, inputs, targets, h0):
    """Loss and gradients of the character-level RNN language model on one chunk.

    Inputs:
    - params: dict with W_embed (V, D), Wx (D, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    - inputs: token indices, integers of shape (N, T)
    - targets: the next token of every input, integers of shape (N, T)
    - h0: hidden state to start from (carried from the previous chunk), shape (N, H)

    Returns a tuple of:
    - loss: a float, summed over the T steps and averaged over the N rows
    - grads: dict of gradients with the same keys and shapes as params
    - h_last: the hidden state after the last step, shape (N, H)
    """
    x, embed_cache = embedding_forward(inputs, params["W_embed"])              # (N, T, D)
    h, rnn_cache = rnn_forward(x, h0, params["Wx"], params["Wh"], params["b"])  # (N, T, H)
    scores, out_cache = temporal_affine_forward(h, params["Wy"], params["by"])  # (N, T, V)
    loss, dscores = temporal_softmax_loss(scores, targets, np.ones(inputs.shape, bool))
    grads = {}
    dh, grads["Wy"], grads["by"] = temporal_affine_backward(dscores, out_cache)
    # The gradient with respect to h0 is dropped: truncated BPTT stops here.
    dx, _dh0, grads["Wx"], grads["Wh"], grads["b"] = rnn_backward(dh, rnn_cache)
    grads["W_embed"] = embedding_backward(dx, embed_cache)
    return loss, grads, h[:, -1]

def sample_chars(params, prefix, length, temperature, rng):
    """Sample characters from the language model after it has read a prefix.

    Inputs:
    - params: dict with W_embed (V, D), Wx (D, H), Wh (H, H), b (H,), Wy (H, V), by (V,)
    - prefix: token indices the model reads first, integers of shape (N, P), P >= 1
    - length: number of tokens to generate
    - temperature: a float >= 0 for sample_token; 0 means greedy
    - rng: a numpy random Generator, passed on to sample_token

    Returns:
    - tokens: the generated token indices (not including the prefix), shape (N, length)
    """
    N, _P = prefix.shape
    Wx, Wh, b = params["Wx"], params["Wh"], params["b"]
    x, _ = embedding_forward(prefix, params["W_embed"])          # (N, P, D)
    h, _ = rnn_forward(x, np.zeros((N, Wh.shape[0])), Wx, Wh, b)  # (N, P, H)
    prev_h = h[:, -1]                                            # state after the prefix
    out = np.empty((N, length), dtype=np.int64)
    for i in range(length):
        scores = prev_h @ params["Wy"] + params["by"]            # (N, V)
        out[:, i] = sample_token(scores, temperature, rng)
        prev_h, _ = rnn_step_forward(params["W_embed"][out[:, i]], prev_h, Wx, Wh, b)
    return out

def train_char_rnn(params, inputs, targets, num_steps, learning_rate, max_norm=5.0):
    """Train the language model with truncated BPTT and Adam, updating params in place.

    Inputs:
    - params: dict of parameters, as made by init_char_rnn
    - inputs, targets: chunks from tbptt_chunks, integers of shape (K, N, T)
    - num_steps: number of updates; step s uses chunk s % K
    - learning_rate: Adam's learning rate
    - max_norm: the gradients are clipped to this joint norm before each update

    Returns:
    - losses: array of shape (num_steps,), the loss per character of each step's chunk
    """
    K, N, T = inputs.shape
    H = params["Wh"].shape[0]
    state = {}                       # Adam's running averages, one dict for the run
    losses = np.empty(num_steps)
    for step in range(num_steps):
        k = step % K
        if k == 0:
            h = np.zeros((N, H))     # a new pass over the text: every stream restarts
        # h is carried forward as a plain array, so no gradient crosses the boundary.
        loss, grads, h = char_rnn_loss(params, inputs[k], targets[k], h)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses[step] = loss / T
    return losses
