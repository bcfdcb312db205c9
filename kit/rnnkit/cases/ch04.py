"""Cases for chapter 4: the LSTM step and sequence passes (forward and backward), the
peephole and coupled input-forget variants, a regression head on the adding problem,
and training an LSTM on it.

Weights of the four gates live in one matrix whose column blocks are, in this order,
the input gate i, the forget gate f, the output gate o and the candidate g (the coupled
variant has three blocks: i, o, g). Backward judges compare gradients block by block,
so a failure says which gate's columns are wrong. ``gradcheck`` compares a learner's
backward pass with centred finite differences of the learner's forward pass.

Nothing here computes an LSTM: the cases call the learner's functions through ``impl``.
What needs one lives on the instructor's side, in ``autograder/judges/ch04.py``: the
independent gate-by-gate LSTM that hidden tests hold ``lstm_forward`` to, and the
measurement of recorded trained weights with the reference. The visible checks here
judge what the learner's own notebook computed.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from rnnkit.cases import Impl, case
from rnnkit.checks import (RIGHT_NEW_LINE, CheckFailure, check_array, check_each,
                           grad_check, rel_error)
from rnnkit.data import adding_problem
from rnnkit.i18n import _, N_
from rnnkit.questions import multiple_choice

LSTM_GATES = ("input", "forget", "output", "candidate")     # column blocks of Wx, Wh, b
COUPLED_GATES = ("input", "output", "candidate")            # f = 1 - i has no block
PEEPHOLE_ROWS = ("input", "forget", "output")               # rows of the peephole P

_BLOCK_HINTS = {
    "input": N_("di = dc * g, then the sigmoid's derivative i * (1 - i)."),
    "forget": N_("df = dc * prev_c (the cell state the gate multiplied), then f * (1 - f)."),
    "output": N_("do = dnext_h * tanh(next_c), then o * (1 - o)."),
    "candidate": N_("dg = dc * i, then the tanh's derivative 1 - g**2."),
}
_COUPLED_HINTS = {
    "input": N_("The input gate now also sets f = 1 - i, so di = dc * (g - prev_c), then "
                "i * (1 - i)."),
    "output": _BLOCK_HINTS["output"],
    "candidate": _BLOCK_HINTS["candidate"],
}
_PEEPHOLE_HINTS = {
    "input": N_("The input peephole looks at prev_c: its gradient is sum over the batch of "
                "da_i * prev_c."),
    "forget": N_("The forget peephole looks at prev_c: sum over the batch of da_f * prev_c."),
    "output": N_("The output peephole looks at next_c (the new cell state): sum over the "
                 "batch of da_o * next_c."),
}


# ------------------------------------------------------------------ judges

_PARTS = {"input": N_("input gate"), "forget": N_("forget gate"),
          "output": N_("output gate"), "candidate": N_("candidate")}


def _part(gate: str) -> str:
    """How a message names a gate's block: "forget gate", or "candidate" (not a gate)."""
    return _(_PARTS[gate]) if gate in _PARTS else f"{gate} gate"


def _block_label(j: int, axis_name: str) -> str:
    lo = "0" if j == 0 else ("H" if j == 1 else f"{j}H")
    hi = "H" if j == 0 else f"{j + 1}H"
    return f"{_(axis_name)} {lo}:{hi}"


def _blocks_judge(function: str, gates: Sequence[str], blocked: Sequence[str],
                  axes: Mapping[str, Sequence[str]], hints: Mapping[str, str],
                  gate_hints: Mapping[str, str], rows: Mapping[str, Sequence[str]] = {},
                  rtol: float = 1e-6, atol: float = 1e-9) -> Callable[[dict, dict], None]:
    """A judge that names every wrong output and, for gradients whose last axis holds
    one block per gate (``blocked``) or whose rows are gates (``rows``), which gates'
    blocks are wrong, with a hint about each wrong gate."""
    def wrong_blocks(name, got, exp, names, axis):
        g = np.moveaxis(np.asarray(got, dtype=np.float64), axis, -1)
        e = np.moveaxis(np.asarray(exp, dtype=np.float64), axis, -1)
        width = e.shape[-1] // len(names)
        bad = []
        for j, gate in enumerate(names):
            sl = slice(j * width, (j + 1) * width) if axis == -1 else slice(j, j + 1)
            if not np.allclose(g[..., sl], e[..., sl], rtol=rtol, atol=atol):
                bad.append(j)
        return bad

    def judge(got: dict, expected: dict) -> None:
        def check_one(name: str, exp) -> None:
            check_array(function, name, got.get(name), exp, rtol=rtol, atol=atol,
                        axes=axes.get(name))

        def describe(name: str, message: str) -> str:
            """The message of a wrong output, rewritten to name the wrong gate blocks."""
            exp = np.asarray(expected[name])
            names, axis, label, plural = None, -1, "columns", N_("columns")
            if name in blocked:
                names = gates
            elif name in rows:
                names, axis, label, plural = rows[name], 0, "row", N_("rows")
            try:
                value = np.asarray(got.get(name))
            except (TypeError, ValueError):  # ragged: check_array's message says so
                return message
            # only real numbers of the right shape are compared block by block; for
            # anything else (None, objects, NaN) check_array's message is the diagnosis
            if not (names and value.dtype.kind in "fiub" and value.shape == exp.shape
                    and np.isfinite(value).all()):
                return message
            bad = wrong_blocks(name, value, exp, names, axis)
            err = rel_error(value, exp)
            if label == "row":
                where = [_("the {part}'s row {j}").format(part=_part(names[j]), j=j)
                         for j in bad]
            else:
                where = [_("the {part}'s block ({columns})").format(
                    part=_part(names[j]), columns=_block_label(j, N_("columns")))
                    for j in bad]
            if 0 < len(bad) < len(names):
                only = _("{function}: {name} is wrong (max relative error {err:.1e}, "
                         "tolerance {rtol:.0e}). Only {where} differs; the other gates' "
                         "{blocks} are right.") if len(bad) == 1 else \
                    _("{function}: {name} is wrong (max relative error {err:.1e}, "
                      "tolerance {rtol:.0e}). Only {where} differ; the other gates' "
                      "{blocks} are right.")
                return (only.format(function=function, name=name, err=err, rtol=rtol,
                                    where=_(" and ").join(where), blocks=_(plural))
                        + " " + " ".join(_("{part}: {hint}").format(
                            part=_part(names[j]).capitalize(),
                            hint=_(gate_hints[names[j]])) for j in bad))
            if bad:
                return _("{function}: {name} is wrong in every gate's {blocks} (max "
                         "relative error {err:.1e}, tolerance {rtol:.0e}); look at what all "
                         "gates share: dc, the upstream gradients, or the matrix multiplied "
                         "at the end.").format(function=function, name=name,
                                               blocks=_(plural), err=err, rtol=rtol)
            return message

        check_each(expected, check_one, describe=describe, hints=hints,
                   right=RIGHT_NEW_LINE)
    return judge


# ------------------------------------------------------------------ inputs

def _lstm_params(rng, D, H, blocks=4):
    """Small random weights; D != H in every default shape so transposes show."""
    Wx = 0.5 * rng.standard_normal((D, blocks * H))  # (D, blocks*H)
    Wh = 0.5 * rng.standard_normal((H, blocks * H))  # (H, blocks*H)
    b = 0.5 * rng.standard_normal(blocks * H)        # (blocks*H,)
    return Wx, Wh, b


def _step_inputs(rng, N, D, H, blocks=4):
    x = rng.standard_normal((N, D))
    prev_h = rng.standard_normal((N, H))
    prev_c = rng.standard_normal((N, H))
    return (x, prev_h, prev_c) + _lstm_params(rng, D, H, blocks)


STEP_AXES = {"next_h": ("N", "H"), "next_c": ("N", "H"), "dx": ("N", "D"),
             "dprev_h": ("N", "H"), "dprev_c": ("N", "H"), "dWx": ("D", N_("column")),
             "dWh": ("H", N_("column")), "db": (N_("column"),), "dP": (N_("gate"), "H")}
SEQ_AXES = {"h": ("N", "T", "H"), "dx": ("N", "T", "D"), "dh0": ("N", "H"),
            "dWx": ("D", N_("column")), "dWh": ("H", N_("column")), "db": (N_("column"),)}
_FORWARD_FIRST = N_("next_h and next_c come from your forward pass: if they are wrong, fix "
                    "the forward pass first.")


# ------------------------------------------------------------------ LSTM step

@case("ch04", axes=STEP_AXES,
      hint=N_("a = x @ Wx + prev_h @ Wh + b; columns 0:H, H:2H, 2H:3H, 3H:4H of a are the "
              "input, forget and output gates (sigmoid) and the candidate g (tanh); "
              "next_c = f * prev_c + i * g; next_h = o * tanh(next_c)."))
def lstm_step_forward(impl, rng, N=3, D=4, H=5):
    next_h, next_c, _cache = impl.lstm_step_forward(*_step_inputs(rng, N, D, H))
    return {"next_h": next_h, "next_c": next_c}


@case("ch04", judge=_blocks_judge(
    "lstm_step_backward", LSTM_GATES, ("dWx", "dWh", "db"), STEP_AXES,
    hints={"next_h": _FORWARD_FIRST, "next_c": _FORWARD_FIRST,
           "dprev_c": N_("The cell state reaches prev_c only through the forget gate: "
                         "dprev_c = dc * f, where dc adds dnext_c and the path through "
                         "next_h."),
           "dx": N_("dx = da @ Wx.T, with da the (N, 4H) gradient of the pre-activations."),
           "dprev_h": N_("dprev_h = da @ Wh.T.")},
    gate_hints=_BLOCK_HINTS))
def lstm_step_backward(impl, rng, N=3, D=4, H=5):
    x, prev_h, prev_c, Wx, Wh, b = _step_inputs(rng, N, D, H)
    next_h, next_c, cache = impl.lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b)
    dnext_h = rng.standard_normal((N, H))
    dnext_c = rng.standard_normal((N, H))
    grads = impl.lstm_step_backward(dnext_h, dnext_c, cache)
    out = {"next_h": next_h, "next_c": next_c}
    out.update(zip(("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"), grads))
    return out


# ------------------------------------------------------------------ LSTM sequence

def _seq_inputs(rng, N, T, D, H):
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    return (x, h0) + _lstm_params(rng, D, H)


@case("ch04", axes=SEQ_AXES,
      hint=N_("The cell state starts at zeros and, like h, is carried from step to step; "
              "h[:, t] is the hidden state after reading x[:, t]."))
def lstm_forward(impl, rng, N=2, T=4, D=3, H=5):
    h, _cache = impl.lstm_forward(*_seq_inputs(rng, N, T, D, H))
    return {"h": h}


@case("ch04", judge=_blocks_judge(
    "lstm_backward", LSTM_GATES, ("dWx", "dWh", "db"), SEQ_AXES,
    hints={"h": N_("h comes from your lstm_forward: if it is wrong, fix that first."),
           "dh0": N_("dh0 is the gradient that flows out of step 0 into h0: da[:, 0] @ Wh.T."),
           "dx": N_("dx[:, t] = da[:, t] @ Wx.T for every step.")},
    gate_hints={**_BLOCK_HINTS,
                "forget": N_("df = dc * c[t-1], the previous step's cell state (zeros at "
                             "t = 0, not c[:, -1]), then f * (1 - f).")}))
def lstm_backward(impl, rng, N=2, T=4, D=3, H=5):
    x, h0, Wx, Wh, b = _seq_inputs(rng, N, T, D, H)
    h, cache = impl.lstm_forward(x, h0, Wx, Wh, b)
    dh = rng.standard_normal((N, T, H))
    out = {"h": h}
    out.update(zip(("dx", "dh0", "dWx", "dWh", "db"), impl.lstm_backward(dh, cache)))
    return out


# ------------------------------------------------------------------ separately drawn gates

GATEWISE_INPUTS = ("x", "h0", "Wx", "Wh", "b")   # recorded as outputs "input x", ...
STACKING_HINT = N_("Stack the gates' columns in the order input, forget, output, "
                   "candidate: Wx = [W_i | W_f | W_o | W_g].")


def _judge_stacked(got: dict, expected: dict) -> None:
    """The visible judge: the learner's h against the reference's on the same inputs.
    (At grading time ``autograder/judges/ch04.py`` compares h with an independent LSTM
    written gate by gate, run on the recorded inputs.)"""
    check_array("lstm_forward", N_("h (with the stacked weights of separately drawn gates)"),
                got.get("h"), expected["h"], axes=SEQ_AXES["h"], hint=STACKING_HINT)


@case("ch04", judge=_judge_stacked)
def lstm_matches_gatewise(impl, rng, N=2, T=5, D=3, H=4):
    """The learner's lstm_forward, given the stacked weights of separately drawn gates.
    The inputs are returned too, for the instructor's gate-by-gate judge."""
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    W = {g: 0.6 * rng.standard_normal((D, H)) for g in LSTM_GATES}
    U = {g: 0.6 * rng.standard_normal((H, H)) for g in LSTM_GATES}
    bias = {g: 0.5 * rng.standard_normal(H) for g in LSTM_GATES}
    stack = lambda parts: np.concatenate([parts[g] for g in LSTM_GATES], axis=-1)
    inputs = dict(zip(GATEWISE_INPUTS, (x, h0, stack(W), stack(U), stack(bias))))
    h, _cache = impl.lstm_forward(**inputs)
    return {"h": h, **{f"input {k}": v for k, v in inputs.items()}}


# ------------------------------------------------------------------ peephole LSTM

def _peephole_inputs(rng, N, D, H):
    return _step_inputs(rng, N, D, H) + (0.5 * rng.standard_normal((3, H)),)


@case("ch04", axes=STEP_AXES,
      hint=N_("The input and forget gates look at prev_c, the output gate looks at the new "
              "cell state next_c: o = sigmoid(a_o + P[2] * next_c), computed after next_c."))
def peephole_lstm_step_forward(impl, rng, N=3, D=4, H=5):
    next_h, next_c, _cache = impl.peephole_lstm_step_forward(
        *_peephole_inputs(rng, N, D, H))
    return {"next_h": next_h, "next_c": next_c}


@case("ch04", judge=_blocks_judge(
    "peephole_lstm_step_backward", LSTM_GATES, ("dWx", "dWh", "db"), STEP_AXES,
    hints={"next_h": _FORWARD_FIRST, "next_c": _FORWARD_FIRST,
           "dprev_c": N_("prev_c now reaches the loss three ways: through f * prev_c and "
                         "through the input and forget gates' peepholes (da_i * P[0] + "
                         "da_f * P[1])."),
           "dP": N_("Each peephole weight multiplies a cell state elementwise, so its "
                    "gradient sums over the batch: shape (3, H).")},
    gate_hints={**_BLOCK_HINTS,
                "output": N_("do = dnext_h * tanh(next_c), then o * (1 - o). Remember that "
                             "the output peephole adds da_o * P[2] to dc."),
                "input": N_("di = dc * g, then the sigmoid's derivative i * (1 - i). dc "
                            "must include the output peephole's path da_o * P[2].")},
    rows={"dP": PEEPHOLE_ROWS}))
def peephole_lstm_step_backward(impl, rng, N=3, D=4, H=5):
    inputs = _peephole_inputs(rng, N, D, H)
    next_h, next_c, cache = impl.peephole_lstm_step_forward(*inputs)
    dnext_h = rng.standard_normal((N, H))
    dnext_c = rng.standard_normal((N, H))
    grads = impl.peephole_lstm_step_backward(dnext_h, dnext_c, cache)
    out = {"next_h": next_h, "next_c": next_c}
    out.update(zip(("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db", "dP"), grads))
    return out


# ------------------------------------------------------------------ coupled gates

@case("ch04", axes=STEP_AXES,
      hint=N_("Three blocks of columns: input i (0:H), output o (H:2H), candidate g (2H:3H); "
              "the forget gate is 1 - i, so next_c = (1 - i) * prev_c + i * g."))
def coupled_lstm_step_forward(impl, rng, N=3, D=4, H=5):
    next_h, next_c, _cache = impl.coupled_lstm_step_forward(
        *_step_inputs(rng, N, D, H, blocks=3))
    return {"next_h": next_h, "next_c": next_c}


@case("ch04", judge=_blocks_judge(
    "coupled_lstm_step_backward", COUPLED_GATES, ("dWx", "dWh", "db"), STEP_AXES,
    hints={"next_h": _FORWARD_FIRST, "next_c": _FORWARD_FIRST,
           "dprev_c": N_("With f = 1 - i: dprev_c = dc * (1 - i).")},
    gate_hints=_COUPLED_HINTS))
def coupled_lstm_step_backward(impl, rng, N=3, D=4, H=5):
    inputs = _step_inputs(rng, N, D, H, blocks=3)
    next_h, next_c, cache = impl.coupled_lstm_step_forward(*inputs)
    dnext_h = rng.standard_normal((N, H))
    dnext_c = rng.standard_normal((N, H))
    grads = impl.coupled_lstm_step_backward(dnext_h, dnext_c, cache)
    out = {"next_h": next_h, "next_c": next_c}
    out.update(zip(("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"), grads))
    return out


# ------------------------------------------------------------------ the adding problem

PARAM_NAMES = ("Wx", "Wh", "b", "Wy", "by")


def _regressor_params(rng, D, H):
    Wx, Wh, b = _lstm_params(rng, D, H)
    return {"Wx": Wx, "Wh": Wh, "b": b, "Wy": 0.5 * rng.standard_normal((H, 1)),
            "by": 0.5 * rng.standard_normal(1)}


@case("ch04", judge=_blocks_judge(
    "adding_loss", LSTM_GATES, ("dWx", "dWh", "db"),
    {"dWx": ("D", "column"), "dWh": ("H", "column"), "db": ("column",),
     "dWy": ("H", "output"), "dby": ("output",)},
    hints={"loss": N_("loss = mean over the batch of (h[:, -1] @ Wy + by - y)**2, with h "
                      "from lstm_forward starting at h0 = 0."),
           "dWy": N_("dWy = h_last.T @ dpred with dpred = 2 * (pred - y) / N, shape (H, 1)."),
           "dby": N_("dby sums dpred over the batch."),
           "dWx": N_("Only the last step's hidden state meets the loss: dh is zeros except "
                     "dh[:, -1] = dpred @ Wy.T.")},
    gate_hints=_BLOCK_HINTS))
def adding_loss(impl, rng, N=4, T=6, H=5):
    params = _regressor_params(rng, 2, H)
    x, y = adding_problem(N, T, rng)
    loss, grads = impl.adding_loss(params, x, y)
    if not isinstance(grads, dict):
        raise CheckFailure(_("adding_loss: return (loss, grads) with grads a dict keyed "
                             "{keys}.").format(keys=list(PARAM_NAMES)))
    out = {"loss": np.atleast_1d(np.asarray(loss, dtype=float))}  # (1,): clearer messages
    out.update({f"d{k}": grads.get(k) for k in PARAM_NAMES})
    return out


TEST_MSE_TARGET = 0.02  # on the adding problem; predicting 1.0 everywhere gives ~0.167
_TEST_SEED = 20240


def adding_test_set(T: int, n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The fixed test set (x (n, T, 2), y (n,)) a trained model is measured on."""
    return adding_problem(n, T, np.random.default_rng(_TEST_SEED + T))


def trained_params(got: Mapping[str, object]) -> dict:
    """The trained weights in ``got`` as float64 arrays, after checking that every one
    is there, has the shape of an LSTM regressor with 2 inputs, and is finite."""
    params = {}
    for name in PARAM_NAMES:
        if got.get(name) is None:
            raise CheckFailure(_("train_adding: the returned params have no {name!r}; "
                                 "return the dict with keys {keys}.").format(
                                     name=name, keys=list(PARAM_NAMES)))
        try:
            params[name] = np.asarray(got[name], dtype=np.float64)
        except (TypeError, ValueError):
            raise CheckFailure(_("train_adding: params[{name!r}] is not an array of "
                                 "numbers.").format(name=name)) from None
    if params["Wh"].ndim != 2:
        raise CheckFailure(_("train_adding: params['Wh'] must have shape (H, 4H)."))
    H = params["Wh"].shape[0]
    shapes = {"Wx": (2, 4 * H), "Wh": (H, 4 * H), "b": (4 * H,), "Wy": (H, 1), "by": (1,)}
    for name, shape in shapes.items():
        if params[name].shape != shape:
            raise CheckFailure(_("train_adding: params[{name!r}] has shape {shape}, "
                                 "expected {expected} (H = {H}).").format(
                                     name=name, shape=params[name].shape, expected=shape,
                                     H=H))
        if not np.isfinite(params[name]).all():
            raise CheckFailure(_("train_adding: params[{name!r}] contains NaN or Inf: the "
                                 "training diverged. Clip the gradients and lower the "
                                 "learning rate.").format(name=name))
    return params


def judge_test_mse(T: int, mse: float, reference_mse: float, measured_with: str) -> None:
    """Raise the learner-facing failure unless the test error is below the target."""
    if not mse < TEST_MSE_TARGET:
        raise CheckFailure(_(
            "train_adding: after training, the model's mean squared error on fresh "
            "sequences of length T = {T} is {mse:.4f} ({measured_with}); it must be "
            "below {target} (always predicting 1.0 gives about 0.167; the reference "
            "reaches {reference:.4f}). Check with gradcheck that adding_loss is right, "
            "draw a fresh batch at every step, start the forget-gate bias at 1, and train "
            "with Adam for a few hundred steps (learning rate around 0.01 to 0.02)."
        ).format(T=T, mse=mse, measured_with=_(measured_with), target=TEST_MSE_TARGET,
                 reference=reference_mse))


def _judge_training(got: dict, expected: dict) -> None:
    """The visible judge: the test error that the case measured with the learner's own
    adding_loss. (At grading time ``autograder/judges/ch04.py`` measures the recorded
    weights with the reference instead and ignores this number.)"""
    mse = got.get("test_mse")
    if mse is None or np.shape(mse) != ():
        raise CheckFailure(_("train_adding: the check could not measure the test error."))
    judge_test_mse(int(expected["T"]), float(mse), float(expected["test_mse"]),
                   N_("measured with your adding_loss; if adding_loss fails its own "
                      "self-check, fix that first"))


@case("ch04", judge=_judge_training)
def train_adding(impl, rng, T=30):
    result = impl.train_adding(T, rng)
    if not (isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], dict)):
        raise CheckFailure(_("train_adding: return a tuple (params, losses): the dict of "
                             "trained weights and the list of training losses."))
    params = trained_params(result[0])
    x_test, y_test = adding_test_set(T)
    loss = impl.adding_loss(params, x_test, y_test)[0]
    try:
        test_mse = np.asarray(loss, dtype=np.float64).item()
    except (TypeError, ValueError):
        raise CheckFailure(_("train_adding: the test error is measured with your "
                             "adding_loss, which must return the loss as a float.")) from None
    # The weights are recorded for the instructor's judge, rounded so that the shipped
    # expected values do not depend on the last bits of the machine's floating-point
    # arithmetic (training amplifies them).
    out = {k: np.round(params[k], 4) for k in PARAM_NAMES}
    out["T"] = T
    out["test_mse"] = test_mse
    return out


# ------------------------------------------------------------------ gradient checks

# A step of 1e-5 balances truncation and round-off best for these functions; elementwise
# relative errors of tiny gradient entries reach ~1e-6 even when the code is right, and
# a real mistake gives 1e-3 or more.
_GC_OPTIONS = {"eps": 1e-5, "tol": 1e-5}

def _gc_step(variant: str):
    def run(impl, rng, N=3, D=4, H=5):
        blocks = 3 if variant == "coupled_lstm" else 4
        names = ["x", "prev_h", "prev_c", "Wx", "Wh", "b"]
        values = list(_step_inputs(rng, N, D, H, blocks))
        if variant == "peephole_lstm":
            names.append("P")
            values.append(0.5 * rng.standard_normal((3, H)))
        inputs = dict(zip(names, values))
        forward = getattr(impl, f"{variant}_step_forward")
        backward = getattr(impl, f"{variant}_step_backward")
        _h, _c, cache = forward(**inputs)

        def analytic(douts):
            dnext_h, dnext_c = douts
            return dict(zip(names, backward(dnext_h, dnext_c, cache)))
        return grad_check(f"{variant}_step_backward",
                          lambda **kw: forward(**kw)[:2], inputs, analytic, **_GC_OPTIONS)
    return run


def _gc_lstm_backward(impl, rng, N=2, T=4, D=3, H=5):
    inputs = dict(zip(("x", "h0", "Wx", "Wh", "b"), _seq_inputs(rng, N, T, D, H)))
    _h, cache = impl.lstm_forward(**inputs)
    return grad_check("lstm_backward", lambda **kw: impl.lstm_forward(**kw)[0], inputs,
                      lambda dh: dict(zip(("x", "h0", "Wx", "Wh", "b"),
                                          impl.lstm_backward(dh, cache))), **_GC_OPTIONS)


def _gc_adding_loss(impl, rng, N=4, T=6, H=5):
    params = _regressor_params(rng, 2, H)
    x, y = adding_problem(N, T, rng)
    _loss, grads = impl.adding_loss(params, x, y)
    return grad_check(
        "adding_loss", lambda **p: float(impl.adding_loss(p, x, y)[0]), params,
        lambda dloss: {k: dloss * np.asarray(g) for k, g in grads.items()},
        max_coords=20, eps=1e-5, tol=1e-5)


_GRADIENT_CHECKS = {
    "lstm_step_backward": _gc_step("lstm"),
    "lstm_backward": _gc_lstm_backward,
    "peephole_lstm_step_backward": _gc_step("peephole_lstm"),
    "coupled_lstm_step_backward": _gc_step("coupled_lstm"),
    "adding_loss": _gc_adding_loss,
}


# The notebook imports gradcheck from here; the one implementation is in grading.py.
from rnnkit.grading import gradcheck  # noqa: E402,F401


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
multiple_choice("ch04", "cell_jacobian", "abcd",
                hint=N_("Reread chapter 4, *Why the additive path carries gradients over "
                        "long lags*: follow the gradient backwards along the cell state "
                        "alone, from c_t = f_t * c_{t-1} + i_t * g_t."))
multiple_choice("ch04", "coupled_gates", "abcd",
                hint=N_("Reread chapter 4, *Variants*, on the coupled input and forget gates: "
                        "for each choice, find the values of i_t and f_t it needs, and ask "
                        "what kind of combination of c_{t-1} and g_t the coupled update is."))
