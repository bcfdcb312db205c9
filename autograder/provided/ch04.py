"""Reference code of ch04, generated from solutions/ch04/ch04.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np

from autograder.data import adding_problem                   # chapter 3's long-range task
from autograder.provided.ch02 import adam_step, clip_gradients  # chapter 2's optimiser


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), written with tanh so that it cannot
    overflow for large negative a (numpy would warn, and a warning fails a test)."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))

def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One time step of an LSTM.

    Gate order in the columns of Wx, Wh and b: input i (0:H), forget f (H:2H),
    output o (2H:3H), candidate g (3H:4H).

    Inputs:
    - x: input for this step, shape (N, D)
    - prev_h: hidden state from the previous step, shape (N, H)
    - prev_c: cell state from the previous step, shape (N, H)
    - Wx: input-to-gates weights, shape (D, 4H)
    - Wh: hidden-to-gates weights, shape (H, 4H)
    - b: gate biases, shape (4H,)

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - next_c: next cell state, shape (N, H)
    - cache: values needed by the backward pass
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b      # (N, 4H): all four gates in one product
    i = sigmoid(a[:, :H])             # input gate      (N, H)
    f = sigmoid(a[:, H:2 * H])        # forget gate     (N, H)
    o = sigmoid(a[:, 2 * H:3 * H])    # output gate     (N, H)
    g = np.tanh(a[:, 3 * H:])         # candidate cell  (N, H)
    next_c = f * prev_c + i * g       # (N, H)
    tanh_c = np.tanh(next_c)          # (N, H)
    next_h = o * tanh_c               # (N, H)
    cache = (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    return next_h, next_c, cache

def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one LSTM step (gate order i, f, o, g).

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - dnext_c: gradient of the loss with respect to next_c, shape (N, H)
    - cache: the cache of lstm_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dprev_c: gradient with respect to prev_c, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 4H)
    - dWh: gradient with respect to Wh, shape (H, 4H)
    - db: gradient with respect to b, shape (4H,)
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)  # (N, H): both paths into next_c
    do = dnext_h * tanh_c
    di = dc * g
    df = dc * prev_c
    dg = dc * i
    dprev_c = dc * f                                 # the additive path: one product
    da = np.concatenate([di * i * (1 - i),           # (N, 4H), blocks i, f, o, g
                         df * f * (1 - f),
                         do * o * (1 - o),
                         dg * (1 - g ** 2)], axis=1)
    dx = da @ Wx.T                                   # (N, D)
    dprev_h = da @ Wh.T                              # (N, H)
    dWx = x.T @ da                                   # (D, 4H)
    dWh = prev_h.T @ da                              # (H, 4H)
    db = da.sum(axis=0)                              # (4H,)
    return dx, dprev_h, dprev_c, dWx, dWh, db

def lstm_forward(x, h0, Wx, Wh, b):
    """LSTM forward pass over a whole sequence (batch-first); the cell state starts at 0.

    Gate order in the columns of Wx, Wh and b: input i (0:H), forget f (H:2H),
    output o (2H:3H), candidate g (3H:4H).

    Inputs:
    - x: input sequence, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input-to-gates weights, shape (D, 4H)
    - Wh: hidden-to-gates weights, shape (H, 4H)
    - b: gate biases, shape (4H,)

    Returns a tuple of:
    - h: hidden states for all time steps, shape (N, T, H)
    - cache: values needed by the backward pass
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    x_proj = x @ Wx + b                  # (N, T, 4H): the inputs' part, all steps at once
    gates = np.empty((N, T, 4 * H))      # activations i, f, o, g of every step
    c = np.empty((N, T, H))              # cell states
    tanh_c = np.empty((N, T, H))
    h = np.empty((N, T, H))
    prev_h, prev_c = h0, np.zeros_like(h0)
    for t in range(T):
        a = x_proj[:, t] + prev_h @ Wh                  # (N, 4H)
        gates[:, t, :3 * H] = sigmoid(a[:, :3 * H])     # i, f, o
        gates[:, t, 3 * H:] = np.tanh(a[:, 3 * H:])     # g
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))  # views
        c[:, t] = f * prev_c + i * g
        tanh_c[:, t] = np.tanh(c[:, t])
        h[:, t] = o * tanh_c[:, t]
        prev_h, prev_c = h[:, t], c[:, t]
    cache = (x, h0, Wx, Wh, gates, c, tanh_c, h)
    return h, cache

def lstm_backward(dh, cache):
    """Backward pass of lstm_forward over the whole sequence.

    Inputs:
    - dh: upstream gradient of all hidden states, shape (N, T, H): dh[:, t] is the
      gradient that reaches h[:, t] from outside the recurrence
    - cache: the cache of lstm_forward

    Returns a tuple of:
    - dx: gradient with respect to the inputs x, shape (N, T, D)
    - dh0: gradient with respect to the initial hidden state h0, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 4H)
    - dWh: gradient with respect to Wh, shape (H, 4H)
    - db: gradient with respect to b, shape (4H,)
    """
    x, h0, Wx, Wh, gates, c, tanh_c, h = cache
    N, T, H = dh.shape
    da = np.empty((N, T, 4 * H))         # gradients of the gates' pre-activations
    dnext_h = np.zeros((N, H))           # what step t + 1 sends back to h_t ...
    dnext_c = np.zeros((N, H))           # ... and to c_t
    zeros = np.zeros((N, H))
    for t in reversed(range(T)):
        i, f, o, g = (gates[:, t, k * H:(k + 1) * H] for k in range(4))
        prev_c = c[:, t - 1] if t > 0 else zeros
        dh_t = dh[:, t] + dnext_h
        dc = dnext_c + dh_t * o * (1 - tanh_c[:, t] ** 2)       # (N, H)
        da[:, t, :H] = dc * g * i * (1 - i)                     # input gate
        da[:, t, H:2 * H] = dc * prev_c * f * (1 - f)           # forget gate
        da[:, t, 2 * H:3 * H] = dh_t * tanh_c[:, t] * o * (1 - o)  # output gate
        da[:, t, 3 * H:] = dc * i * (1 - g ** 2)                # candidate
        dnext_c = dc * f                 # the cell path: elementwise, no matrix product
        dnext_h = da[:, t] @ Wh.T
    prev_h = np.concatenate([h0[:, None], h[:, :-1]], axis=1)   # (N, T, H): h_{t-1}
    da_flat = da.reshape(N * T, 4 * H)
    dx = da @ Wx.T                                              # (N, T, D)
    dWx = x.reshape(N * T, -1).T @ da_flat                      # (D, 4H)
    dWh = prev_h.reshape(N * T, H).T @ da_flat                  # (H, 4H)
    db = da_flat.sum(axis=0)                                    # (4H,)
    return dx, dnext_h, dWx, dWh, db

def peephole_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b, P):
    """One time step of an LSTM with peephole connections (gate order i, f, o, g).

    Inputs:
    - x: input for this step, shape (N, D)
    - prev_h: hidden state from the previous step, shape (N, H)
    - prev_c: cell state from the previous step, shape (N, H)
    - Wx: input-to-gates weights, shape (D, 4H)
    - Wh: hidden-to-gates weights, shape (H, 4H)
    - b: gate biases, shape (4H,)
    - P: peephole weights, shape (3, H); rows for the input, forget and output gates

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - next_c: next cell state, shape (N, H)
    - cache: values needed by the backward pass
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b                    # (N, 4H)
    i = sigmoid(a[:, :H] + P[0] * prev_c)           # the input gate sees c_{t-1}
    f = sigmoid(a[:, H:2 * H] + P[1] * prev_c)      # so does the forget gate
    g = np.tanh(a[:, 3 * H:])
    next_c = f * prev_c + i * g                     # (N, H)
    o = sigmoid(a[:, 2 * H:3 * H] + P[2] * next_c)  # the output gate sees c_t
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c                             # (N, H)
    cache = (x, prev_h, prev_c, next_c, Wx, Wh, P, i, f, o, g, tanh_c)
    return next_h, next_c, cache

def peephole_lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one peephole LSTM step.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - dnext_c: gradient of the loss with respect to next_c, shape (N, H)
    - cache: the cache of peephole_lstm_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dprev_c: gradient with respect to prev_c, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 4H)
    - dWh: gradient with respect to Wh, shape (H, 4H)
    - db: gradient with respect to b, shape (4H,)
    - dP: gradient with respect to P, shape (3, H)
    """
    x, prev_h, prev_c, next_c, Wx, Wh, P, i, f, o, g, tanh_c = cache
    da_o = dnext_h * tanh_c * o * (1 - o)             # (N, H)
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2) + da_o * P[2]
    da_i = dc * g * i * (1 - i)
    da_f = dc * prev_c * f * (1 - f)
    da_g = dc * i * (1 - g ** 2)
    dprev_c = dc * f + da_i * P[0] + da_f * P[1]      # three paths into c_{t-1}
    da = np.concatenate([da_i, da_f, da_o, da_g], axis=1)  # (N, 4H)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    dP = np.stack([(da_i * prev_c).sum(axis=0),       # (3, H)
                   (da_f * prev_c).sum(axis=0),
                   (da_o * next_c).sum(axis=0)])
    return dx, dprev_h, dprev_c, dWx, dWh, db, dP

def coupled_lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One step of an LSTM with coupled input and forget gates (f = 1 - i).

    Gate order in the columns of Wx, Wh and b: input i (0:H), output o (H:2H),
    candidate g (2H:3H).

    Inputs:
    - x: input for this step, shape (N, D)
    - prev_h: hidden state from the previous step, shape (N, H)
    - prev_c: cell state from the previous step, shape (N, H)
    - Wx: input-to-gates weights, shape (D, 3H)
    - Wh: hidden-to-gates weights, shape (H, 3H)
    - b: gate biases, shape (3H,)

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - next_c: next cell state, shape (N, H)
    - cache: values needed by the backward pass
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b             # (N, 3H)
    i = sigmoid(a[:, :H])                    # input gate; the forget gate is 1 - i
    o = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:])
    next_c = (1 - i) * prev_c + i * g        # (N, H)
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c                      # (N, H)
    cache = (x, prev_h, prev_c, Wx, Wh, i, o, g, tanh_c)
    return next_h, next_c, cache

def coupled_lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of one coupled-gate LSTM step (blocks i, o, g).

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - dnext_c: gradient of the loss with respect to next_c, shape (N, H)
    - cache: the cache of coupled_lstm_step_forward

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, D)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dprev_c: gradient with respect to prev_c, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 3H)
    - dWh: gradient with respect to Wh, shape (H, 3H)
    - db: gradient with respect to b, shape (3H,)
    """
    x, prev_h, prev_c, Wx, Wh, i, o, g, tanh_c = cache
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)  # (N, H)
    di = dc * (g - prev_c)                           # i writes g and, via f = 1 - i, erases c
    do = dnext_h * tanh_c
    dg = dc * i
    dprev_c = dc * (1 - i)
    da = np.concatenate([di * i * (1 - i),           # (N, 3H), blocks i, o, g
                         do * o * (1 - o),
                         dg * (1 - g ** 2)], axis=1)
    dx = da @ Wx.T
    dprev_h = da @ Wh.T
    dWx = x.T @ da
    dWh = prev_h.T @ da
    db = da.sum(axis=0)
    return dx, dprev_h, dprev_c, dWx, dWh, db

def adding_loss(params, x, y):
    """Mean squared error of an LSTM regressor on a batch, and its gradients.

    The model reads x with lstm_forward (h0 = zeros) and predicts from the last hidden
    state: pred = h[:, -1] @ Wy + by.

    Inputs:
    - params: dict with Wx (D, 4H), Wh (H, 4H), b (4H,), Wy (H, 1), by (1,)
    - x: input sequences, shape (N, T, D)
    - y: targets, shape (N,)

    Returns a tuple of:
    - loss: a float, the mean over the batch of (pred - y)**2
    - grads: dict with the same keys as params; each gradient has its parameter's shape
    """
    N = x.shape[0]
    H = params["Wh"].shape[0]
    h, cache = lstm_forward(x, np.zeros((N, H)), params["Wx"], params["Wh"], params["b"])
    h_last = h[:, -1]                                   # (N, H)
    pred = h_last @ params["Wy"] + params["by"]         # (N, 1)
    err = pred[:, 0] - y                                # (N,)
    loss = float(np.mean(err ** 2))
    dpred = (2.0 / N) * err[:, None]                    # (N, 1)
    dh = np.zeros_like(h)                               # only the last step meets the loss
    dh[:, -1] = dpred @ params["Wy"].T
    _dx, _dh0, dWx, dWh, db = lstm_backward(dh, cache)
    grads = {"Wx": dWx, "Wh": dWh, "b": db,
             "Wy": h_last.T @ dpred,                    # (H, 1)
             "by": dpred.sum(axis=0)}                   # (1,)
    return loss, grads

def train_adding(T, rng, hidden_size=16, num_steps=300, batch_size=32,
                 learning_rate=0.02, max_norm=1.0):
    """Train an LSTM regressor (see adding_loss) on the adding problem of length T.

    Inputs:
    - T: sequence length
    - rng: a numpy random Generator, for the initial weights and the batches
    - hidden_size: H, the number of LSTM units
    - num_steps: number of Adam steps, one fresh batch each
    - batch_size: sequences per batch
    - learning_rate: Adam's step size
    - max_norm: gradients are clipped to this joint L2 norm before each step

    Returns a tuple of:
    - params: dict with Wx (2, 4H), Wh (H, 4H), b (4H,), Wy (H, 1), by (1,), trained
    - losses: list of the training loss (a float) of every step
    """
    D, H = 2, hidden_size
    params = {"Wx": rng.standard_normal((D, 4 * H)) / np.sqrt(D),   # (D, 4H)
              "Wh": rng.standard_normal((H, 4 * H)) / np.sqrt(H),   # (H, 4H)
              "b": np.zeros(4 * H),                                 # (4H,)
              "Wy": rng.standard_normal((H, 1)) / np.sqrt(H),       # (H, 1)
              "by": np.ones(1)}                                     # the mean target
    params["b"][H:2 * H] = 1.0         # forget-gate bias 1: remember by default
    state, losses = {}, []
    for _ in range(num_steps):
        x, y = adding_problem(batch_size, T, rng)    # a fresh batch every step
        loss, grads = adding_loss(params, x, y)
        clip_gradients(grads, max_norm)
        adam_step(params, grads, state, learning_rate)
        losses.append(loss)
    return params, losses
