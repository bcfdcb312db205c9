"""Reference code of ch05, generated from solutions/ch05/ch05.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np


def sigmoid(a):
    """The logistic function 1 / (1 + exp(-a)), written with tanh so that it cannot
    overflow for large negative a (numpy would warn, and a warning fails a test)."""
    return 0.5 * (1.0 + np.tanh(0.5 * a))

def gru_step_forward(xproj, prev_h, Wh, bh, reset_after=True):
    """One GRU time step. Gate blocks along the last axis: reset r, update z, candidate n.

    Inputs:
    - xproj: the input's contribution x_t @ Wx + bx, shape (N, 3H)
    - prev_h: previous hidden state, shape (N, H)
    - Wh: recurrent weights, shape (H, 3H)
    - bh: recurrent bias, shape (3H,)
    - reset_after: True applies the reset gate after the recurrent product (PyTorch,
      cuDNN); False applies it to prev_h before the product (Cho et al. 2014)

    Returns a tuple of:
    - next_h: next hidden state, shape (N, H)
    - cache: values needed by gru_step_backward
    """
    H = prev_h.shape[1]
    if reset_after:
        hproj = prev_h @ Wh + bh                            # (N, 3H): one product
        rz = sigmoid(xproj[:, :2 * H] + hproj[:, :2 * H])   # (N, 2H): both gates at once
        r, z = rz[:, :H], rz[:, H:]                         # (N, H) each
        hn = hproj[:, 2 * H:]                               # (N, H): prev_h @ Wh_n + bh_n
        n = np.tanh(xproj[:, 2 * H:] + r * hn)              # (N, H) candidate
        cache = {"hn": hn}
    else:
        rz = sigmoid(xproj[:, :2 * H] + prev_h @ Wh[:, :2 * H] + bh[:2 * H])  # (N, 2H)
        r, z = rz[:, :H], rz[:, H:]
        rh = r * prev_h                                     # (N, H): the reset state
        n = np.tanh(xproj[:, 2 * H:] + rh @ Wh[:, 2 * H:] + bh[2 * H:])  # (N, H)
        cache = {"rh": rh}
    next_h = (1.0 - z) * n + z * prev_h                     # (N, H): z keeps the old state
    cache.update(prev_h=prev_h, Wh=Wh, r=r, z=z, n=n, reset_after=reset_after)
    return next_h, cache

def gru_step_backward(dnext_h, cache):
    """Backward pass of one GRU step, in the convention the cache was made with.

    Inputs:
    - dnext_h: gradient of the loss with respect to next_h, shape (N, H)
    - cache: what gru_step_forward returned with next_h

    Returns a tuple of:
    - dxproj: gradient with respect to xproj, shape (N, 3H)
    - dprev_h: gradient with respect to prev_h, shape (N, H)
    - dWh: gradient with respect to Wh, shape (H, 3H)
    - dbh: gradient with respect to bh, shape (3H,)
    """
    prev_h, Wh, r, z, n = (cache[k] for k in ("prev_h", "Wh", "r", "z", "n"))
    H = prev_h.shape[1]
    dn = dnext_h * (1.0 - z)                    # (N, H)
    dz = dnext_h * (prev_h - n)                 # (N, H)
    dprev_h = dnext_h * z                       # (N, H): the direct path
    da_n = dn * (1.0 - n ** 2)                  # (N, H): through tanh, at its output
    if cache["reset_after"]:
        dr = da_n * cache["hn"]                 # (N, H)
        dhn = da_n * r                          # (N, H): gradient of prev_h @ Wh_n + bh_n
    else:
        du = da_n @ Wh[:, 2 * H:].T             # (N, H): gradient of u = r * prev_h
        dr = du * prev_h
        dprev_h = dprev_h + du * r
    da_rz = np.concatenate([dr * r * (1.0 - r), dz * z * (1.0 - z)], axis=1)  # (N, 2H)
    dxproj = np.concatenate([da_rz, da_n], axis=1)                            # (N, 3H)
    if cache["reset_after"]:
        dhproj = np.concatenate([da_rz, dhn], axis=1)   # (N, 3H): of prev_h @ Wh + bh
        dWh = prev_h.T @ dhproj                         # (H, 3H)
        dbh = dhproj.sum(axis=0)                        # (3H,)
        dprev_h = dprev_h + dhproj @ Wh.T
    else:
        dWh = np.concatenate([prev_h.T @ da_rz, cache["rh"].T @ da_n], axis=1)  # (H, 3H)
        dbh = dxproj.sum(axis=0)                        # (3H,)
        dprev_h = dprev_h + da_rz @ Wh[:, :2 * H].T
    return dxproj, dprev_h, dWh, dbh

def gru_forward(x, h0, Wx, Wh, bx, bh, reset_after=True):
    """GRU forward pass over a whole sequence (batch-first).

    Inputs:
    - x: input sequence, shape (N, T, D)
    - h0: initial hidden state, shape (N, H)
    - Wx: input weights, shape (D, 3H), blocks r, z, n
    - Wh: recurrent weights, shape (H, 3H), blocks r, z, n
    - bx: input bias, shape (3H,)
    - bh: recurrent bias, shape (3H,)
    - reset_after: the convention, as in gru_step_forward

    Returns a tuple of:
    - h: hidden states for all time steps, shape (N, T, H)
    - cache: values needed by gru_backward
    """
    N, T, _ = x.shape
    H = h0.shape[1]
    xproj = x @ Wx + bx                 # (N, T, 3H): every step's input part at once
    h = np.empty((N, T, H))             # (N, T, H)
    step_caches = []
    prev_h = h0
    for t in range(T):
        prev_h, step_cache = gru_step_forward(xproj[:, t], prev_h, Wh, bh, reset_after)
        h[:, t] = prev_h
        step_caches.append(step_cache)
    return h, (x, Wx, step_caches)

def gru_backward(dh, cache):
    """Backward pass of a GRU over a whole sequence (backpropagation through time).

    Inputs:
    - dh: upstream gradient of all hidden states, shape (N, T, H)
    - cache: what gru_forward returned with h

    Returns a tuple of:
    - dx: gradient with respect to x, shape (N, T, D)
    - dh0: gradient with respect to h0, shape (N, H)
    - dWx: gradient with respect to Wx, shape (D, 3H)
    - dWh: gradient with respect to Wh, shape (H, 3H)
    - dbx: gradient with respect to bx, shape (3H,)
    - dbh: gradient with respect to bh, shape (3H,)
    """
    x, Wx, step_caches = cache
    N, T, H = dh.shape
    D = x.shape[2]
    dxproj = np.empty((N, T, 3 * H))        # (N, T, 3H)
    dWh = np.zeros((H, 3 * H))
    dbh = np.zeros(3 * H)
    dprev_h = np.zeros((N, H))              # nothing flows back into the last step
    for t in reversed(range(T)):
        dxproj[:, t], dprev_h, dWh_t, dbh_t = gru_step_backward(dh[:, t] + dprev_h,
                                                                step_caches[t])
        dWh += dWh_t
        dbh += dbh_t
    dx = dxproj @ Wx.T                                          # (N, T, D)
    dWx = x.reshape(N * T, D).T @ dxproj.reshape(N * T, 3 * H)  # (D, 3H)
    dbx = dxproj.sum(axis=(0, 1))                               # (3H,)
    return dx, dprev_h, dWx, dWh, dbx, dbh

from typing import Callable, NamedTuple

# Chapters 1, 2 and 4: the vanilla RNN, Adam and the LSTM (the course's reference code).
from autograder.provided.ch01 import rnn_forward
from autograder.provided.ch02 import rnn_backward, adam_step
from autograder.provided.ch04 import lstm_forward, lstm_backward
from autograder.data import adding_problem   # the task of part 6 (chapter 3)


class Cell(NamedTuple):
    """A recurrent layer behind one interface, so one training loop fits every cell."""
    init: Callable      # (D, H, rng) -> {name: array}
    forward: Callable   # (x (N, T, D), h0 (N, H), params) -> (h (N, T, H), cache)
    backward: Callable  # (dh (N, T, H), cache) -> (dx, dh0, {name: gradient})


def _uniform(rng, shape, fan_in):
    return rng.uniform(-1.0, 1.0, size=shape) / np.sqrt(fan_in)


def rnn_cell():
    def init(D, H, rng):
        return {"Wx": _uniform(rng, (D, H), D), "Wh": _uniform(rng, (H, H), H),
                "b": np.zeros(H)}

    def forward(x, h0, p):
        return rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])

    def backward(dh, cache):
        dx, dh0, dWx, dWh, db = rnn_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}
    return Cell(init, forward, backward)


def lstm_cell():
    def init(D, H, rng):
        b = np.zeros(4 * H)
        b[H:2 * H] = 1.0                      # forget-gate bias: remember by default
        return {"Wx": _uniform(rng, (D, 4 * H), D), "Wh": _uniform(rng, (H, 4 * H), H),
                "b": b}

    def forward(x, h0, p):
        return lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])

    def backward(dh, cache):
        dx, dh0, dWx, dWh, db = lstm_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "b": db}
    return Cell(init, forward, backward)


def gru_cell(reset_after=True):
    def init(D, H, rng):
        return {"Wx": _uniform(rng, (D, 3 * H), D), "Wh": _uniform(rng, (H, 3 * H), H),
                "bx": np.zeros(3 * H), "bh": np.zeros(3 * H)}

    def forward(x, h0, p):
        return gru_forward(x, h0, p["Wx"], p["Wh"], p["bx"], p["bh"], reset_after)

    def backward(dh, cache):
        dx, dh0, dWx, dWh, dbx, dbh = gru_backward(dh, cache)
        return dx, dh0, {"Wx": dWx, "Wh": dWh, "bx": dbx, "bh": dbh}
    return Cell(init, forward, backward)


def init_regressor(cell, D, H, seed):
    """The cell's parameters plus a linear read-out Wy (H, 1), by (1,), drawn from seed."""
    rng = np.random.default_rng(seed)
    params = cell.init(D, H, rng)
    params["Wy"] = _uniform(rng, (H, 1), H)
    params["by"] = np.zeros(1)
    return params

def regressor_loss(cell, params, x, y):
    """Mean squared error of a regressor that reads a sequence and predicts from its
    last hidden state, and the gradients of all its parameters.

    Inputs:
    - cell: a Cell (init, forward, backward)
    - params: dict of the cell's parameters plus "Wy" of shape (H, 1) and "by" of shape (1,)
    - x: input sequences, shape (N, T, D)
    - y: targets, shape (N,)

    Returns a tuple of:
    - loss: a float, the mean over the batch of (prediction - target) ** 2
    - grads: dict with the same keys and shapes as params
    """
    N = x.shape[0]
    H = params["Wy"].shape[0]
    h, cache = cell.forward(x, np.zeros((N, H)), params)   # (N, T, H)
    last = h[:, -1]                                        # (N, H)
    pred = last @ params["Wy"] + params["by"]              # (N, 1)
    err = pred[:, 0] - y                                   # (N,)
    loss = float(np.mean(err ** 2))
    dpred = (2.0 / N) * err[:, None]                       # (N, 1)
    dh = np.zeros_like(h)                                  # (N, T, H)
    dh[:, -1] = dpred @ params["Wy"].T                     # only the last state is read
    _dx, _dh0, grads = cell.backward(dh, cache)
    grads["Wy"] = last.T @ dpred                           # (H, 1)
    grads["by"] = dpred.sum(axis=0)                        # (1,)
    return loss, grads

def compare_cells(cells, batches, test, hidden_size, lr, seed):
    """Train one regressor per cell on the same batches; report curves and test errors.

    Inputs:
    - cells: dict {name: Cell}, e.g. {"rnn": rnn_cell(), "lstm": lstm_cell(), "gru": gru_cell()}
    - batches: list of (x, y) pairs, x of shape (N, T, D), y of shape (N,); one Adam
      step per batch
    - test: a pair (x_test, y_test) of shapes (M, T, D) and (M,)
    - hidden_size: H, the same for every cell
    - lr: the Adam learning rate
    - seed: the seed of init_regressor, the same for every cell

    Returns:
    - results: dict {name: {"train": array of shape (len(batches),) with the loss of each
      batch before its update, "test": float, the test loss after training}}
    """
    x_test, y_test = test
    D = x_test.shape[2]
    results = {}
    for name, cell in cells.items():
        params = init_regressor(cell, D, hidden_size, seed)
        state = {}
        train = np.empty(len(batches))
        for step, (x, y) in enumerate(batches):
            train[step], grads = regressor_loss(cell, params, x, y)
            adam_step(params, grads, state, lr)
        test_loss, _ = regressor_loss(cell, params, x_test, y_test)
        results[name] = {"train": train, "test": test_loss}
    return results
