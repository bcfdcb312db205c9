"""Reference code of ch03, generated from solutions/ch03/ch03.ipynb
by `make fixtures`. Do not edit: edit the notebook."""
import numpy as np

# Earlier chapters' code and the course's data, provided (you wrote these in chapters 1 and 2).
from autograder.provided.ch01 import rnn_forward     # (x, h0, Wx, Wh, b) -> h (N, T, H), cache
from autograder.provided.ch02 import rnn_backward    # (dh, cache) -> dx, dh0, dWx, dWh, db
from autograder.data import adding_problem           # (n, T, rng) -> x (n, T, 2), y (n,)

def hidden_grad_norms(h, Wh, dh_last):
    """Norm of the gradient of a last-step loss with respect to every hidden state.

    Inputs:
    - h: hidden states from rnn_forward, shape (N, T, H); h[:, t] is the state after step t
    - Wh: hidden-to-hidden weights, shape (H, H)
    - dh_last: gradient of the loss with respect to h[:, T-1], shape (N, H)

    Returns:
    - norms: array of shape (T,); norms[k] is the norm (over the whole batch) of the
      gradient of the loss with respect to h[:, T-1-k], so norms[0] = ||dh_last||
    """
    T = h.shape[1]
    norms = np.empty(T)
    dh = dh_last                                  # (N, H): gradient w.r.t. h[:, T-1]
    norms[0] = np.linalg.norm(dh)
    for k in range(1, T):
        t = T - k                                 # dh is the gradient w.r.t. h[:, t]
        dh = (dh * (1 - h[:, t] ** 2)) @ Wh.T     # (N, H): now w.r.t. h[:, t-1]
        norms[k] = np.linalg.norm(dh)
    return norms

def fit_decay_rate(norms):
    """Least-squares slope of log(norms[k]) against the lag k = 0, 1, ..., K-1.

    Inputs:
    - norms: positive array of shape (K,), K >= 2 (for example from hidden_grad_norms)

    Returns:
    - rate: a float, the fitted slope in natural-log units per step
    """
    lags = np.arange(len(norms))                  # (K,)
    log_norms = np.log(norms)                     # (K,)
    lag_dev = lags - lags.mean()
    return float(lag_dev @ (log_norms - log_norms.mean()) / (lag_dev @ lag_dev))

def clip_by_global_norm(grads, max_norm):
    """Scale all gradients by one common factor so that their joint norm is <= max_norm.

    Inputs:
    - grads: dict name -> gradient array (any shapes), or a list of arrays
    - max_norm: a positive float

    Returns a tuple of:
    - clipped: the same kind of container with new arrays of the same shapes
    - total_norm: a float, the joint norm of the gradients before clipping (NaN or Inf
      when any entry is; the gradients are then returned unchanged)
    """
    arrays = list(grads.values()) if isinstance(grads, dict) else list(grads)
    total_norm = float(np.sqrt(sum(np.sum(g ** 2) for g in arrays)))
    scale = 1.0
    if np.isfinite(total_norm) and total_norm > max_norm:
        scale = max_norm / total_norm
    clipped = [g * scale for g in arrays]         # new arrays, same shapes
    if isinstance(grads, dict):
        return dict(zip(grads.keys(), clipped)), total_norm
    return clipped, total_norm

def clip_by_value(grads, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value].

    Inputs:
    - grads: dict name -> gradient array, or a list of arrays
    - clip_value: a positive float

    Returns:
    - clipped: the same kind of container with new arrays of the same shapes
    """
    if isinstance(grads, dict):
        return {name: np.clip(g, -clip_value, clip_value) for name, g in grads.items()}
    return [np.clip(g, -clip_value, clip_value) for g in grads]

def guarded_sgd_step(params, grads, loss, lr):
    """One gradient-descent step, applied only when the loss and all gradients are finite.

    Inputs:
    - params: dict name -> parameter array, updated in place
    - grads: dict with the same names -> gradient arrays of the same shapes
    - loss: the loss (a float) of the batch the gradients were computed on
    - lr: learning rate, a positive float

    Returns a tuple of:
    - applied: True if the update was applied, False if it was refused
    - reason: "" when applied; otherwise a sentence naming what was not finite ("loss"
      and/or the names of the parameters whose gradients have NaN or Inf entries)
    """
    problems = []
    if not np.isfinite(loss):
        problems.append(f"the loss is {loss}")
    bad = [name for name, g in grads.items() if not np.isfinite(g).all()]
    if bad:
        problems.append("non-finite gradient entries for " + ", ".join(bad))
    if problems:                                  # decide before touching anything
        return False, "step skipped: " + "; ".join(problems)
    for name in params:
        params[name] -= lr * grads[name]          # in place: callers see the update
    return True, ""

def identity_init(D, H, rng, input_std=0.001):
    """Initial parameters of a ReLU RNN in the style of Le et al. (2015), the "IRNN".

    Inputs:
    - D: input size
    - H: hidden size
    - rng: a numpy random Generator
    - input_std: standard deviation of the input weights

    Returns:
    - params: dict with "Wx" of shape (D, H) (normal, mean 0, std input_std),
      "Wh" of shape (H, H) (the identity) and "b" of shape (H,) (zeros)
    """
    return {"Wx": input_std * rng.standard_normal((D, H)),  # (D, H)
            "Wh": np.eye(H),                                 # (H, H)
            "b": np.zeros(H)}                                # (H,)

def init_adding_rnn(H, rng):
    """Random tanh RNN for the adding problem: inputs of size 2, hidden size H, scalar output."""
    return {"Wx": rng.standard_normal((2, H)) / np.sqrt(2),         # (2, H)
            "Wh": rng.standard_normal((H, H)) / np.sqrt(H),         # (H, H)
            "b": np.zeros(H),                                       # (H,)
            "Wy": 0.1 * rng.standard_normal((H, 1)) / np.sqrt(H),   # (H, 1)
            "by": np.ones(1)}                                       # (1,): start at the mean


def adding_forward(params, x):
    """Predictions y_hat of shape (n,) for inputs x of shape (n, T, 2), and the RNN cache."""
    n, H = x.shape[0], params["Wh"].shape[0]
    h, cache = rnn_forward(x, np.zeros((n, H)), params["Wx"], params["Wh"], params["b"])
    y_hat = h[:, -1] @ params["Wy"][:, 0] + params["by"][0]  # (n,): read the last state
    return y_hat, (h, cache)


def adding_mse(params, x, y):
    """Mean squared error of the model on inputs x (n, T, 2) with targets y (n,)."""
    y_hat, _ = adding_forward(params, x)
    return float(np.mean((y_hat - y) ** 2))


def adding_loss_and_grads(params, x, y):
    """Mean squared error on a batch and its gradient for every parameter (same keys)."""
    y_hat, (h, cache) = adding_forward(params, x)
    n = x.shape[0]
    dy_hat = 2 * (y_hat - y) / n                               # (n,)
    dh = np.zeros_like(h)                                      # (n, T, H)
    dh[:, -1] = dy_hat[:, None] * params["Wy"][:, 0]           # only the last state is read
    _, _, dWx, dWh, db = rnn_backward(dh, cache)
    grads = {"Wx": dWx, "Wh": dWh, "b": db,
             "Wy": h[:, -1].T @ dy_hat[:, None],               # (H, 1)
             "by": np.array([dy_hat.sum()])}                   # (1,)
    return float(np.mean((y_hat - y) ** 2)), grads

def adding_experiment(T_values, rng, steps=200, batch_size=64, hidden_size=16, lr=0.2,
                      max_norm=1.0, threshold=1 / 12, test_size=1000):
    """Train a fresh tanh RNN on the adding problem for every T; find the largest T learned.

    For each T: start from init_adding_rnn(hidden_size, rng); then `steps` times: draw a
    batch with adding_problem(batch_size, T, rng), compute adding_loss_and_grads, clip the
    gradients with clip_by_global_norm (max_norm), and apply guarded_sgd_step with
    learning rate lr. Finally draw adding_problem(test_size, T, rng) and measure adding_mse.

    Inputs:
    - T_values: sequence lengths to try, increasing (e.g. (2, 4, 8, 16))
    - rng: a numpy random Generator, used as described above
    - steps, batch_size, hidden_size, lr, max_norm, test_size: training settings
    - threshold: a test error below this counts as "learned"

    Returns a tuple of:
    - largest_T: the largest T in T_values whose test error is below threshold (0 if none)
    - test_mse: array of shape (len(T_values),), the test error for each T
    """
    test_mse = np.empty(len(T_values))
    for i, T in enumerate(T_values):
        params = init_adding_rnn(hidden_size, rng)
        for _ in range(steps):
            x, y = adding_problem(batch_size, T, rng)
            loss, grads = adding_loss_and_grads(params, x, y)
            grads, _ = clip_by_global_norm(grads, max_norm)
            guarded_sgd_step(params, grads, loss, lr=lr)
        x_test, y_test = adding_problem(test_size, T, rng)
        test_mse[i] = adding_mse(params, x_test, y_test)
    learned = [T for T, mse in zip(T_values, test_mse) if mse < threshold]
    return (max(learned) if learned else 0), test_mse
