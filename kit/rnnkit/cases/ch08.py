"""Cases for chapter 8: the linear recurrence h_t = a_t * h_{t-1} + b_t by a loop and by
a log-depth parallel scan, its backward pass (a scan run backwards in time), minGRU in
its sequential, scan and log-space forms and its backward pass, and training minGRU
against the LSTM on the adding problem at an equal parameter count.

The cases call every function through ``impl``, the notebook's namespace: the learner's
answers and the code the notebook gives them (mingru_cell, lstm_cell, init_regressor,
regressor_loss from its provided-code cell). Nothing here computes a recurrence itself.
What needs one lives on the instructor's side, in ``autograder/judges/ch08.py``: the
scan written as a dense lower-triangular matrix product, which hidden tests hold
``linear_scan_parallel`` to, and the measurement of recorded trained weights with the
reference.

``linear_scan_parallel`` must also be log-depth: its case counts the lines of notebook
code that run while it scans a sequence of length ``DEPTH_T`` (:func:`lines_run`). A
loop over time runs at least ``DEPTH_T`` of them; a scan runs a few per round.
"""
from __future__ import annotations

import math
import sys

import numpy as np

from rnnkit.cases import case, flatten_params
from rnnkit.checks import RIGHT_NEW_LINE, CheckFailure, check_array, check_each, grad_check
from rnnkit.data import adding_problem
from rnnkit.i18n import _, N_
from rnnkit.questions import count, multiple_choice

SCAN_AXES = ("N", "T", "H")
# The parallel scan adds the same products in another order: it agrees with the loop to
# rounding (1e-13 relative at T = 1000), so 1e-10 leaves room and catches every mistake.
SCAN_RTOL, SCAN_ATOL = 1e-10, 1e-12
# The log-space form adds and subtracts cumulative sums of logarithms, whose size grows
# with T; its error is near 1e-13 for the lengths used here. 1e-9 bounds it.
MINGRU_RTOL, MINGRU_ATOL = 1e-9, 1e-12
MODES = ("sequential", "scan", "log")


def key(name: str, mode: str) -> str:
    """Output name of one mode's result, e.g. "h (mode='log')"."""
    return f"{name} (mode={mode!r})"


def _array_result(result, function: str, what: str):
    if isinstance(result, tuple):
        raise CheckFailure(_("{function}: return {what} alone, not a tuple.").format(
            function=function, what=_(what)))
    return result


def _tuple_of(result, n: int, function: str, names: str):
    if not isinstance(result, tuple) or len(result) != n:
        raise CheckFailure(_("{function}: return the tuple ({names}).").format(
            function=function, names=names))
    return result


LONG_T = 32    # beyond this, one unit of the scan inputs has |a| near 1


def _scan_inputs(rng, N, T, H):
    """Multipliers of both signs and below 1 in size (a stable recurrence whose terms do
    not all have one sign, so that order and sign mistakes show), inputs and h0."""
    a = rng.uniform(-1.0, 1.0, size=(N, T, H))  # (N, T, H)
    b = rng.standard_normal((N, T, H))          # (N, T, H)
    h0 = rng.standard_normal((N, H))            # (N, H)
    if T > LONG_T:
        # In a long sequence, terms from 64 or more steps back vanish below the tolerance
        # when every |a| is spread over (0, 1), and a scan missing its last round would
        # pass. One unit remembers: its |a| is within 0.02 of 1, keeping its sign.
        a[..., 0] = np.sign(a[..., 0]) * (1.0 - 0.02 * rng.random((N, T)))
    return a, b, h0


# ------------------------------------------------------------------ the sequential scan

_SEQUENTIAL_HINT = (N_("h[:, t] = a[:, t] * h[:, t-1] + b[:, t] for t = 0, 1, ..., T-1, "
                       "starting from h0 (so h[:, 0] = a[:, 0] * h0 + b[:, 0]); the products "
                       "are elementwise."))


@case("ch08", rtol=SCAN_RTOL, atol=SCAN_ATOL, axes={"h": SCAN_AXES}, hint=_SEQUENTIAL_HINT)
def linear_scan_sequential(impl, rng, N=2, T=6, H=3):
    a, b, h0 = _scan_inputs(rng, N, T, H)
    h = _array_result(impl.linear_scan_sequential(a, b, h0), "linear_scan_sequential",
                      N_("the states h"))
    return {"h": h}


# ------------------------------------------------------------------ the parallel scan

DEPTH_T = 1000          # the length at which the scan's depth is measured
LINES = "scan depth at T = 1000"   # lines of notebook code run while scanning


def depth_bound(T: int) -> int:
    """Most lines of notebook code a log-depth scan of length T may run: 30 per round
    (a scan runs a handful) and 150 for setting up. A loop over time runs at least T."""
    return 30 * max(1, math.ceil(math.log2(max(T, 2)))) + 150


def _counted(frame) -> bool:
    """Lines of learner code count: frames of the notebook (``__main__``) or of a module
    that is not imported (the reference, run from its notebook), not of numpy or the
    standard library."""
    name = frame.f_globals.get("__name__")
    return name == "__main__" or name not in sys.modules


def lines_run(call) -> tuple[object, int]:
    """``call()``'s result and how many lines of notebook code ran during it."""
    count = 0

    def local(frame, event, arg):
        nonlocal count
        if event == "line":
            count += 1
        return local

    def tracer(frame, event, arg):
        return local if _counted(frame) else None

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        result = call()
    finally:
        sys.settrace(previous)
    return result, count


def _judge_parallel(got: dict, expected: dict) -> None:
    def check_one(name: str, exp) -> None:
        if name == LINES:
            lines = got.get(LINES)
            if isinstance(lines, (bool, np.bool_)) or not isinstance(
                    lines, (int, np.integer, np.ndarray)) or np.ndim(lines) != 0 \
                    or np.asarray(lines).dtype.kind not in "iu":
                raise CheckFailure(_("linear_scan_parallel: the check could not count the "
                                     "lines your scan runs."))
            if lines > depth_bound(DEPTH_T):
                raise CheckFailure(_(
                    "linear_scan_parallel: scanning a sequence of length {T} runs {lines} "
                    "lines of your notebook's code; a log-depth scan runs at most {bound} "
                    "(about {rounds} rounds). Do not loop over the time steps (nor call "
                    "linear_scan_sequential): loop over the rounds d = 1, 2, 4, ... and "
                    "update all time steps of a round with one slice expression.").format(
                        T=DEPTH_T, lines=lines, bound=depth_bound(DEPTH_T),
                        rounds=math.ceil(math.log2(DEPTH_T))))
            return
        check_array("linear_scan_parallel", name, got.get(name), exp, rtol=SCAN_RTOL,
                    atol=SCAN_ATOL, axes=SCAN_AXES)

    check_each(expected, check_one, right=RIGHT_NEW_LINE)


@case("ch08", judge=_judge_parallel,
      hint=N_("Fold h0 into the first step (b[:, 0] + a[:, 0] * h0), then for d = 1, 2, 4, "
              "... while d < T combine every position t >= d with the one d steps earlier, "
              "on the previous round's values: B[t] = A[t] * B[t-d] + B[t], A[t] = A[t] * "
              "A[t-d]. Positions t < d keep theirs."))
def linear_scan_parallel(impl, rng, N=2, T=11, H=3):
    a, b, h0 = _scan_inputs(rng, N, T, H)
    h = _array_result(impl.linear_scan_parallel(a, b, h0), "linear_scan_parallel",
                      N_("the states h"))
    a, b, h0 = _scan_inputs(np.random.default_rng(DEPTH_T), 1, DEPTH_T, 2)
    _h, lines = lines_run(lambda: impl.linear_scan_parallel(a, b, h0))
    return {"h": h, LINES: lines}


# The scan compared with the recurrence written as a matrix product (hidden tests): the
# inputs are returned too, for the instructor's judge (autograder/judges/ch08.py).
MATRIX_INPUTS = ("a", "b", "h0")


def _judge_against_reference(got: dict, expected: dict) -> None:
    """The visible judge: the learner's h against the reference's on the same inputs.
    (At grading time the instructor's judge compares h with the matrix product.)"""
    check_array("linear_scan_parallel", "h", got.get("h"), expected["h"], rtol=SCAN_RTOL,
                atol=SCAN_ATOL, axes=SCAN_AXES)


@case("ch08", judge=_judge_against_reference)
def linear_scan_matches_matrix(impl, rng, N=2, T=7, H=2):
    inputs = dict(zip(MATRIX_INPUTS, _scan_inputs(rng, N, T, H)))
    h = _array_result(impl.linear_scan_parallel(**inputs), "linear_scan_parallel",
                      N_("the states h"))
    return {"h": h, **{f"input {k}": v for k, v in inputs.items()}}


# ------------------------------------------------------------------ the backward scan

_SCAN_GRADS = ("da", "db", "dh0")
_BACKWARD_AXES = {"da": SCAN_AXES, "db": SCAN_AXES, "dh0": ("N", "H")}
_BACKWARD_HINTS = {
    "db": N_("db[:, t] is the total gradient g_t = dh[:, t] + a[:, t+1] * g_{t+1}, computed "
             "from the last step backwards (g at the last step is dh there)."),
    "da": N_("da[:, t] = g_t * h_{t-1}: the state before step t (h0 for t = 0)."),
    "dh0": N_("dh0 = a[:, 0] * g_0: h0 enters only the first step."),
}


def _judge_backward(got: dict, expected: dict) -> None:
    def check_one(name: str, exp) -> None:
        check_array("linear_scan_backward", name, got.get(name), exp, rtol=SCAN_RTOL,
                    atol=SCAN_ATOL, axes=_BACKWARD_AXES[name])

    def describe(name: str, message: str) -> str:
        return f"{message} {_(_BACKWARD_HINTS[name])}"

    check_each(expected, check_one, describe=describe, right=RIGHT_NEW_LINE)


@case("ch08", judge=_judge_backward)
def linear_scan_backward(impl, rng, N=2, T=6, H=3):
    a, b, h0 = _scan_inputs(rng, N, T, H)
    dh = rng.standard_normal((N, T, H))
    h = impl.linear_scan_sequential(a, b, h0)      # part 1's states
    grads = _tuple_of(impl.linear_scan_backward(dh, a, h0, h), 3, "linear_scan_backward",
                      "da, db, dh0")
    return dict(zip(_SCAN_GRADS, grads))


def _gc_linear_scan_backward(impl, rng, N=2, T=5, H=3):
    a, b, h0 = _scan_inputs(rng, N, T, H)
    h = impl.linear_scan_sequential(a, b, h0)
    return grad_check(
        "linear_scan_backward", impl.linear_scan_sequential, {"a": a, "b": b, "h0": h0},
        lambda dh: dict(zip(("a", "b", "h0"), impl.linear_scan_backward(dh, a, h0, h))),
        tol=1e-6)


# ------------------------------------------------------------------ minGRU

PARAM_NAMES = ("Wz", "bz", "Wh", "bh")


def _mingru_inputs(rng, N, T, D, H):
    """Inputs, a positive h0 (the log-space form takes its log), and weights that put
    the candidate's pre-activation on both sides of 0 (both pieces of g)."""
    x = rng.standard_normal((N, T, D))                      # (N, T, D)
    h0 = rng.uniform(0.2, 1.5, size=(N, H))                 # (N, H), positive
    params = {"Wz": 0.8 * rng.standard_normal((D, H)),      # (D, H)
              "bz": 0.5 * rng.standard_normal(H),           # (H,)
              "Wh": 0.8 * rng.standard_normal((D, H)),      # (D, H)
              "bh": 0.5 * rng.standard_normal(H)}           # (H,)
    return x, h0, params


_MODE_HINTS = {
    "sequential": N_("z = sigmoid(x @ Wz + bz), h_tilde = g(x @ Wh + bh) with g(k) = k + 0.5 "
                     "for k >= 0 and sigmoid(k) otherwise, then linear_scan_sequential with "
                     "a = 1 - z and b = z * h_tilde."),
    "scan": N_("the same a = 1 - z and b = z * h_tilde as the sequential mode, given to "
               "linear_scan_parallel."),
    "log": N_("log a = -softplus(k_z), log b = -softplus(-k_z) + log g(k_h) (log(k_h + 0.5) "
              "for k_h >= 0, -softplus(-k_h) otherwise), a* = cumsum(log a), and log h = a* "
              "+ logaddexp.accumulate over [log h0, log b_1 - a*_1, ...] without its first "
              "entry; h = exp(log h)."),
}


def _judge_mingru_forward(got: dict, expected: dict) -> None:
    def check_one(name: str, exp) -> None:
        check_array("mingru_forward", name, got.get(name), exp, rtol=MINGRU_RTOL,
                    atol=MINGRU_ATOL, axes=SCAN_AXES)

    def advice(wrong: list[str], right: list[str]) -> list[str]:
        modes = [m for m in MODES if key("h", m) in wrong]
        return [_("Hint (mode={mode!r}): {hint}").format(mode=m, hint=_(_MODE_HINTS[m]))
                for m in modes]

    check_each(expected, check_one, right=RIGHT_NEW_LINE, advice=advice)


@case("ch08", judge=_judge_mingru_forward)
def mingru_forward(impl, rng, N=2, T=6, D=3, H=4):
    x, h0, params = _mingru_inputs(rng, N, T, D, H)
    out = {}
    for mode in MODES:
        h, _cache = _tuple_of(impl.mingru_forward(x, h0, params, mode), 2,
                              "mingru_forward", "h, cache")
        out[key("h", mode)] = h
    return out


_MINGRU_GRADS = ("dx", "dh0", "dWz", "dbz", "dWh", "dbh")
_MINGRU_AXES = {"dx": ("N", "T", "D"), "dh0": ("N", "H"), "dWz": (N_("row"), N_("column")),
                "dbz": (N_("column"),), "dWh": (N_("row"), N_("column")), "dbh": (N_("column"),)}
_MINGRU_BACKWARD_HINTS = {
    "dx": N_("dx = dk_z @ Wz.T + dk_h @ Wh.T: x reaches the loss through both the gate and "
             "the candidate."),
    "dh0": N_("dh0 is the dh0 of linear_scan_backward with a = 1 - z."),
    "dWz": N_("dk_z = (db * h_tilde - da) * z * (1 - z), with da, db from "
              "linear_scan_backward (a = 1 - z, b = z * h_tilde); dWz sums x.T @ dk_z over "
              "the batch and time."),
    "dbz": N_("dbz is dk_z summed over the batch and time."),
    "dWh": N_("dk_h = db * z * g'(k_h), g'(k) = 1 for k >= 0 and sigmoid(k) * (1 - "
              "sigmoid(k)) otherwise; dWh sums x.T @ dk_h over the batch and time."),
    "dbh": N_("dbh is dk_h summed over the batch and time."),
}


def _judge_mingru_backward(got: dict, expected: dict) -> None:
    def check_one(name: str, exp) -> None:
        check_array("mingru_backward", name, got.get(name), exp, rtol=MINGRU_RTOL,
                    atol=MINGRU_ATOL, axes=_MINGRU_AXES[name.split(" ")[0]])

    def advice(wrong: list[str], right: list[str]) -> list[str]:
        grads = [g for g in _MINGRU_GRADS if any(w.split(" ")[0] == g for w in wrong)]
        modes = {w.split(" ", 1)[1] for w in wrong}
        lines = [_("Hint ({name}): {hint}").format(name=g, hint=_(_MINGRU_BACKWARD_HINTS[g]))
                 for g in grads]
        if len(modes) < len(MODES):
            lines.append(_("Only some modes are wrong: the cache must hold the same values "
                           "whatever the mode of mingru_forward."))
        return lines

    check_each(expected, check_one, right=RIGHT_NEW_LINE, advice=advice)


def _mingru_grads(result) -> dict:
    dx, dh0, grads = _tuple_of(result, 3, "mingru_backward", "dx, dh0, grads")
    if not isinstance(grads, dict):
        raise CheckFailure(_("mingru_backward: grads should be a dict {{name: gradient}} "
                             "with the keys of params ({keys}).").format(
                                 keys=', '.join(PARAM_NAMES)))
    return {"dx": dx, "dh0": dh0, **{f"d{k}": grads.get(k) for k in PARAM_NAMES}}


@case("ch08", judge=_judge_mingru_backward)
def mingru_backward(impl, rng, N=2, T=6, D=3, H=4):
    x, h0, params = _mingru_inputs(rng, N, T, D, H)
    dh = rng.standard_normal((N, T, H))
    out = {}
    for mode in MODES:
        _h, cache = impl.mingru_forward(x, h0, params, mode)
        grads = _mingru_grads(impl.mingru_backward(dh, cache))
        out.update({key(name, mode): value for name, value in grads.items()})
    return out


def _gc_mingru_backward(impl, rng, N=2, T=4, D=3, H=3):
    x, h0, params = _mingru_inputs(rng, N, T, D, H)
    _h, cache = impl.mingru_forward(x, h0, params, "sequential")

    def forward(x, h0, **p):
        return impl.mingru_forward(x, h0, p, "sequential")[0]

    def analytic(dh):
        grads = _mingru_grads(impl.mingru_backward(dh, cache))
        return {name[1:]: value for name, value in grads.items()}
    return grad_check("mingru_backward", forward, {"x": x, "h0": h0, **params}, analytic,
                      max_coords=20, tol=1e-6)


_GRADIENT_CHECKS = {
    "linear_scan_backward": _gc_linear_scan_backward,
    "mingru_backward": _gc_mingru_backward,
}


# The notebook imports gradcheck from here; the one implementation is in grading.py.
from rnnkit.grading import gradcheck  # noqa: E402,F401

# ------------------------------------------------------------------ training

# Equal budgets: with D = 2 inputs and the read-out, an LSTM of 8 units has 361
# parameters and a minGRU of 51 units 358.
CELLS = (("mingru", 51), ("lstm", 8))
TEST_MSE_TARGET = 0.03
TEST_SIZE = 500
THRESHOLD, WINDOW, MAX_STEPS = 0.01, 20, 1000


def adding_test_set(T: int):
    """The fixed held-out sequences on which trained regressors are measured."""
    return adding_problem(TEST_SIZE, T, np.random.default_rng(80_000 + T))


def solved_at(losses, threshold: float = THRESHOLD, window: int = WINDOW) -> int | None:
    """The first number of steps after which the mean of the last ``window`` losses is
    below ``threshold``, or None."""
    for steps in range(window, len(losses) + 1):
        if np.mean(losses[steps - window:steps]) < threshold:
            return steps
    return None


def _steps_value(steps, name: str) -> int:
    if steps is None:
        return -1   # not solved (recorded as -1: fixtures hold numbers only)
    if isinstance(steps, (bool, np.bool_)) or not isinstance(steps, (int, np.integer)):
        raise CheckFailure(_("train_to_threshold ({name}): steps should be an int (or "
                             "None when the task was not solved), got {kind}.").format(
                                 name=name, kind=type(steps).__name__))
    return int(steps)


def judge_test_mse(name: str, mse: float, reference_mse: float, measured_with: str) -> None:
    if not mse < TEST_MSE_TARGET:
        raise CheckFailure(_(
            "train_to_threshold ({name}): the trained regressor's mean squared error on "
            "fresh sequences is {mse:.4f} ({measured_with}); it must be below {target} "
            "(predicting the mean gives about 0.167; the reference reaches "
            "{reference:.4f}). Return the params dict that init_regressor made, trained "
            "in place by adam_step.").format(name=name, mse=mse,
                                             measured_with=_(measured_with),
                                             target=TEST_MSE_TARGET,
                                             reference=reference_mse))


def scalar(got: dict, name: str, what: str) -> float:
    """``got[name]`` as a float when it is one number (a Python or numpy number, or a
    0-d array), else the learner is told what it should be."""
    value = got.get(name)
    if isinstance(value, (bool, np.bool_, str, bytes)) or not isinstance(
            value, (int, float, np.number, np.ndarray)) or np.ndim(value) != 0:
        raise CheckFailure(_("train_to_threshold: {name} should be {what}, got {kind}."
                             ).format(name=name, what=_(what), kind=type(value).__name__))
    number = float(value)
    if not np.isfinite(number):
        raise CheckFailure(_("train_to_threshold: {name} is {number}.").format(
            name=name, number=number))
    return number


def judge_run(name: str, got: dict, expected: dict) -> None:
    """What one cell's run must satisfy on its own: the trained parameters' shapes, the
    losses, the stopping rule, steps and the time per step (not the test error: see
    judge_test_mse)."""
    where = f"train_to_threshold ({name})"
    prefix = f"{name} params."
    for k in (k for k in expected if k.startswith(prefix)):
        want = np.shape(expected[k])
        try:
            shape = np.shape(got[k]) if k in got else _("missing")
        except Exception:  # noqa: BLE001 -- a ragged list or an object numpy cannot read
            shape = _("not an array")
        if shape != want:
            raise CheckFailure(_(
                "{where}: params[{key!r}] has shape {shape}, expected {want}: draw the "
                "parameters with init_regressor(cell, 2, hidden_size, seed), with the "
                "hidden_size you were given.").format(where=where, key=k[len(prefix):],
                                                      shape=shape, want=want))
    try:
        losses = np.asarray(got.get(f"{name} losses"), dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailure(_("{where}: losses should be a list of floats.").format(
            where=where)) from None
    if losses.ndim != 1 or losses.size == 0:
        raise CheckFailure(_("{where}: losses should be a list with the loss of every step "
                             "taken, got shape {shape}.").format(where=where,
                                                                 shape=losses.shape))
    if not np.isfinite(losses).all():
        raise CheckFailure(_("{where}: the losses contain NaN or Inf: training diverged. "
                             "Clip the gradients before adam_step.").format(where=where))
    steps = scalar(got, f"{name} steps", N_("the number of steps (an int, or None)"))
    first = solved_at(losses)
    if steps == -1:
        if first is not None:
            raise CheckFailure(_("{where}: steps is None, but your losses solve the task "
                                 "after {first} steps (mean of the last {window} below "
                                 "{threshold}): stop there and return steps = {first}."
                                 ).format(where=where, first=first, window=WINDOW,
                                          threshold=THRESHOLD))
        raise CheckFailure(_(
            "{where}: the task was not solved in {n} steps (the reference solves it in "
            "{reference}). Use a fresh batch at every step, clip the gradients, and take "
            "one adam_step with lr per step.").format(
                where=where, n=losses.size, reference=int(expected[f'{name} steps'])))
    if first is None or steps != first:
        rule = (_("the {name} first solves the task after {first} steps").format(
                    name=name, first=first)
                if first is not None else _("the {name} never solves the task").format(
                    name=name))
        raise CheckFailure(_(
            "{where}: steps = {steps:g}, but by your own losses {rule}: steps is the first "
            "number of steps after which the mean of the last {window} losses is below "
            "{threshold}.").format(where=where, steps=steps, rule=rule, window=WINDOW,
                                   threshold=THRESHOLD))
    if losses.size != steps:
        raise CheckFailure(_("{where}: training went on to {n} steps after the task was "
                             "solved at {first}: stop as soon as it is solved.").format(
                                 where=where, n=losses.size, first=first))
    seconds = scalar(got, f"{name} seconds_per_step", N_("a float, the wall-clock time of "
                                                         "the loop divided by the number "
                                                         "of steps"))
    if not 0.0 < seconds < 5.0:
        raise CheckFailure(_("{where}: seconds_per_step is {seconds:g}; it should be the "
                             "wall-clock time of the loop divided by the number of steps."
                             ).format(where=where, seconds=seconds))


def _judge_training(got: dict, expected: dict) -> None:
    """The visible judge: the test errors the case measured with the learner's own
    cells. (At grading time ``autograder/judges/ch08.py`` measures the recorded weights
    with the reference instead.)"""
    for name, _H in CELLS:
        judge_run(name, got, expected)
        judge_test_mse(name, scalar(got, f"{name} test_mse", N_("a number")),
                       float(expected[f"{name} test_mse"]),
                       N_("measured with your cell and regressor_loss"))


def _training_report(got: dict) -> str:
    return _("; ").join(
        _("{name} (H = {H}) solved after {steps} steps, test MSE {mse:.4f}, {ms:.2f} ms "
          "per step").format(name=name, H=H, steps=int(got[f'{name} steps']),
                             mse=float(got[f'{name} test_mse']),
                             ms=1e3 * float(got[f'{name} seconds_per_step']))
        for name, H in CELLS)


@case("ch08", judge=_judge_training, summary=_training_report)
def train_to_threshold(impl, rng, T=10):
    seed = int(rng.integers(1000))
    x_test, y_test = adding_test_set(T)
    out: dict = {"T": T}
    for name, H in CELLS:
        cell = getattr(impl, f"{name}_cell")()
        result = impl.train_to_threshold(cell, H, T, seed, THRESHOLD, WINDOW, MAX_STEPS)
        params, losses, steps, seconds = _tuple_of(
            result, 4, "train_to_threshold", "params, losses, steps, seconds_per_step")
        if not isinstance(params, dict):
            raise CheckFailure(_("train_to_threshold: params should be the dict of "
                                 "trained parameters that init_regressor made."))
        loss = impl.regressor_loss(cell, params, x_test, y_test)[0]
        # Weights are recorded for the instructor's judge, rounded so that the shipped
        # expected values do not depend on the last bits of the machine's arithmetic.
        out.update({f"{name} params.{k}": np.round(np.asarray(v, dtype=np.float64), 4)
                    for k, v in flatten_params(params).items()})
        out[f"{name} losses"] = losses
        out[f"{name} steps"] = _steps_value(steps, name)
        out[f"{name} seconds_per_step"] = seconds
        out[f"{name} test_mse"] = float(np.asarray(loss, dtype=np.float64))
    return out


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
multiple_choice("ch08", "scannable", "abcd",
                hint=N_("Reread chapter 8, *Which recurrences can be parallelised*: what "
                        "the coefficients may and may not read, and whether one step is an "
                        "affine map of the previous state."))
count("ch08", "blelloch_depth",
        hint=N_("Reread chapter 8, *Blelloch: two sweeps over a tree*: what the scan "
                "does when T is not a power of two, how many levels each sweep has, and "
                "what remains after the down-sweep."))
