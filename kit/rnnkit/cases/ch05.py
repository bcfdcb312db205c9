"""Cases for chapter 5: the GRU step and sequence passes in both conventions (reset
applied before / after the recurrent matrix product), the loss and gradients of a
many-to-one regressor, and the RNN / LSTM / GRU comparison on the adding problem.

Every GRU case runs the learner's function in both conventions, and its outputs are
named after the convention, e.g. ``"next_h (reset_after=True)"``, so a failure message
says which one is wrong. Gate blocks of every (..., 3H) array are in the order reset r,
update z, candidate n (columns 0:H, H:2H, 2H:3H), as in PyTorch and cuDNN; messages name
the block that differs.

The cases call every function through ``impl``, the notebook's namespace: the learner's
answers and the code the notebook gives them (rnn_cell, lstm_cell, gru_cell,
init_regressor, and the earlier chapters' functions in its provided-code cell). Nothing
here computes a recurrent layer itself.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from rnnkit.cases import Impl, case
from rnnkit.checks import (RIGHT_NEW_LINE, CheckFailure, check_array, check_each,
                           grad_check)
from rnnkit.data import adding_problem
from rnnkit.i18n import _, N_
from rnnkit.questions import count, multiple_choice

FLAGS = (False, True)
BLOCKS = (N_("reset-gate block r"), N_("update-gate block z"), N_("candidate block n"))
CONVENTION = {
    False: N_("reset before the product (Cho et al.): n = tanh(xproj_n + (r * prev_h) @ Wh_n "
              "+ bh_n)"),
    True: N_("reset after the product (PyTorch, cuDNN): n = tanh(xproj_n + r * (prev_h @ "
             "Wh_n + bh_n))"),
}


def key(name: str, reset_after: bool) -> str:
    """Output name of one convention's result, e.g. 'dWh (reset_after=True)'."""
    return f"{name} (reset_after={reset_after})"


def _block_note(got, expected, H: int, rtol: float, atol: float) -> str:
    """Say which of the three gate blocks along the last axis hold the wrong values."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return ""
    expected = np.asarray(expected, dtype=np.float64)
    if got.shape != expected.shape or got.ndim == 0 or got.shape[-1] != 3 * H:
        return ""
    wrong = [k for k in range(3) if not np.allclose(
        got[..., k * H:(k + 1) * H], expected[..., k * H:(k + 1) * H], rtol=rtol, atol=atol,
        equal_nan=True)]
    if not wrong or len(wrong) == 3:
        return ""
    blocks = _(" and the ").join(_("{block} (columns {lo}:{hi})").format(
        block=_(BLOCKS[k]), lo=k * H, hi=(k + 1) * H) for k in wrong)
    return _(" The wrong columns are the {blocks}.").format(blocks=blocks)


def _gate_judge(function: str, axes: Mapping[str, tuple], hints: Mapping[bool, str],
                common: str = "", rtol: float = 1e-6, atol: float = 1e-9):
    """Compare every output; name the convention and the gate blocks that differ."""
    def judge(got: dict, expected: dict) -> None:
        H = next((np.shape(v)[-1] for k, v in expected.items() if k.startswith(
            ("dprev_h", "dh0", "next_h", "h "))), -1)  # -1: no gate blocks to name

        def check_one(name: str, exp) -> None:
            check_array(function, name, got.get(name), exp, rtol=rtol, atol=atol,
                        axes=axes.get(name.split(" (")[0]))

        def describe(name: str, message: str) -> str:
            return message + _block_note(got.get(name), expected[name], H, rtol, atol)

        def advice(wrong: list[str], right: list[str]) -> list[str]:
            flags = {name.endswith("(reset_after=True)") for name in wrong}
            return ([_("Hint: {hint}").format(hint=_(common))] if common else []) + [
                (_("Hint (reset after): {hint}") if f else _("Hint (reset before): {hint}")
                 ).format(hint=_(hints[f]))
                for f in sorted(flags) if hints.get(f)]

        check_each(expected, check_one, describe=describe, right=RIGHT_NEW_LINE,
                   advice=advice)
    return judge


def _gru_params(rng, D, H):
    """Weights small enough that no gate saturates; D != H so transposes show."""
    Wx = 0.5 * rng.standard_normal((D, 3 * H))  # (D, 3H)
    Wh = 0.5 * rng.standard_normal((H, 3 * H))  # (H, 3H)
    bx = 0.5 * rng.standard_normal(3 * H)       # (3H,)
    bh = 0.5 * rng.standard_normal(3 * H)       # (3H,)
    return Wx, Wh, bx, bh


def _step_inputs(rng, N, H):
    """xproj (N, 3H) stands for x_t @ Wx + bx, which the step receives precomputed."""
    _Wx, Wh, _bx, bh = _gru_params(rng, 2, H)
    return dict(xproj=rng.standard_normal((N, 3 * H)), prev_h=rng.standard_normal((N, H)),
                Wh=Wh, bh=bh)


def _seq_inputs(rng, N, T, D, H):
    inputs = dict(x=rng.standard_normal((N, T, D)), h0=rng.standard_normal((N, H)))
    inputs.update(zip(("Wx", "Wh", "bx", "bh"), _gru_params(rng, D, H)))
    return inputs


def _tuple_of(result, n: int, function: str, names: str):
    if not isinstance(result, tuple) or len(result) != n:
        raise CheckFailure(_("{function}: return the tuple ({names}).").format(
            function=function, names=names))
    return result


# ------------------------------------------------------------------------ GRU step

_FORWARD_HINT = (N_("The gates are r = sigmoid(xproj_r + prev_h @ Wh_r + bh_r) and z likewise "
                    "with the update block; next_h = (1 - z) * n + z * prev_h (z keeps the old "
                    "state)."))


def _judge_step_forward(got: dict, expected: dict) -> None:
    for flag in FLAGS:
        mine, other = got.get(key("next_h", flag)), expected[key("next_h", not flag)]
        if (mine is not None and np.shape(mine) == other.shape
                and np.allclose(np.asarray(mine, dtype=float), other, rtol=1e-6, atol=1e-9)
                and not np.allclose(other, expected[key("next_h", flag)])):
            raise CheckFailure(_(
                "gru_step_forward: with reset_after={flag} your next_h is what the other "
                "convention gives. reset_after={flag} means {convention}.").format(
                    flag=flag, convention=_(CONVENTION[flag])))
    _gate_judge("gru_step_forward", {"next_h": ("N", "H")}, CONVENTION,
                _FORWARD_HINT)(got, expected)


@case("ch05", judge=_judge_step_forward)
def gru_step_forward(impl, rng, N=3, H=5):
    inputs = _step_inputs(rng, N, H)
    out = {}
    for flag in FLAGS:
        next_h, _cache = _tuple_of(impl.gru_step_forward(**inputs, reset_after=flag), 2,
                                   "gru_step_forward", "next_h, cache")
        out[key("next_h", flag)] = next_h
    return out


_STEP_GRADS = ("dxproj", "dprev_h", "dWh", "dbh")
_BACKWARD_HINTS = {
    False: N_("the candidate block of dWh is "
              "(r * prev_h).T @ da_n, and the gradient of r * prev_h feeds both dr and dprev_h."),
    True: N_("dr = da_n * (prev_h @ Wh_n + bh_n), and the "
             "candidate blocks of dWh and dbh (and of what goes back to prev_h) carry the "
             "factor r; those of dxproj do not."),
}
_STEP_BACKWARD_COMMON = N_("next_h = (1 - z) * n + z * prev_h gives prev_h the direct "
                           "gradient z * dnext_h, plus what flows back through the gates and "
                           "the candidate.")


@case("ch05", judge=_gate_judge(
    "gru_step_backward",
    {"dxproj": ("N", N_("column")), "dprev_h": ("N", "H"), "dWh": (N_("row"), N_("column")),
     "dbh": (N_("column"),)}, _BACKWARD_HINTS, _STEP_BACKWARD_COMMON))
def gru_step_backward(impl, rng, N=3, H=5):
    inputs = _step_inputs(rng, N, H)
    dnext_h = rng.standard_normal((N, H))
    out = {}
    for flag in FLAGS:
        _h, cache = impl.gru_step_forward(**inputs, reset_after=flag)
        grads = _tuple_of(impl.gru_step_backward(dnext_h, cache), 4, "gru_step_backward",
                          "dxproj, dprev_h, dWh, dbh")
        out.update({key(n, flag): g for n, g in zip(_STEP_GRADS, grads)})
    return out


# ------------------------------------------------------------------ GRU over a sequence

_SEQ_FORWARD_HINT = (N_("Project all inputs at once (x @ Wx + bx, shape (N, T, 3H)), then run "
                        "the step from h0 over t = 0 ... T-1 with the same reset_after; h[:, t] "
                        "is the state after reading x[:, t]."))


@case("ch05", judge=_gate_judge("gru_forward", {"h": ("N", "T", "H")}, {},
                                _SEQ_FORWARD_HINT))
def gru_forward(impl, rng, N=2, T=4, D=3, H=5):
    inputs = _seq_inputs(rng, N, T, D, H)
    out = {}
    for flag in FLAGS:
        h, _cache = _tuple_of(impl.gru_forward(**inputs, reset_after=flag), 2, "gru_forward",
                              "h, cache")
        out[key("h", flag)] = h
    return out


_SEQ_GRADS = ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")
_SEQ_BACKWARD_HINT = (N_("Go backwards in time; step t gets dh[:, t] plus the dprev_h that step "
                         "t+1 sent back, and after step 0 that is dh0. Sum dWh and dbh over "
                         "time. dx, dWx and dbx come from the (N, T, 3H) gradient of the input "
                         "projections, collected in the loop and used once after it."))


@case("ch05", judge=_gate_judge(
    "gru_backward",
    {"dx": ("N", "T", "D"), "dh0": ("N", "H"), "dWx": (N_("row"), N_("column")),
     "dWh": (N_("row"), N_("column")), "dbx": (N_("column"),), "dbh": (N_("column"),)},
    {}, _SEQ_BACKWARD_HINT))
def gru_backward(impl, rng, N=2, T=4, D=3, H=5):
    inputs = _seq_inputs(rng, N, T, D, H)
    dh = rng.standard_normal((N, T, H))
    out = {}
    for flag in FLAGS:
        _h, cache = impl.gru_forward(**inputs, reset_after=flag)
        grads = _tuple_of(impl.gru_backward(dh, cache), 6, "gru_backward",
                          "dx, dh0, dWx, dWh, dbx, dbh")
        out.update({key(n, flag): g for n, g in zip(_SEQ_GRADS, grads)})
    return out


# -------------------------------------------------------------------- gradient checks

def _gc_gru_step_backward(impl, rng, N=3, H=4):
    inputs = _step_inputs(rng, N, H)
    errors = {}
    for flag in FLAGS:
        _h, cache = impl.gru_step_forward(**inputs, reset_after=flag)
        found = grad_check(
            f"gru_step_backward (reset_after={flag})",
            lambda **a: impl.gru_step_forward(**a, reset_after=flag)[0], inputs,
            lambda dnext_h: dict(zip(("xproj", "prev_h", "Wh", "bh"),
                                     impl.gru_step_backward(dnext_h, cache))), tol=1e-5)
        errors.update({key(n, flag): e for n, e in found.items()})
    return errors


def _gc_gru_backward(impl, rng, N=2, T=3, D=3, H=4):
    inputs = _seq_inputs(rng, N, T, D, H)
    errors = {}
    for flag in FLAGS:
        _h, cache = impl.gru_forward(**inputs, reset_after=flag)
        found = grad_check(
            f"gru_backward (reset_after={flag})",
            lambda **a: impl.gru_forward(**a, reset_after=flag)[0], inputs,
            lambda dh: dict(zip(("x", "h0", "Wx", "Wh", "bx", "bh"),
                                impl.gru_backward(dh, cache))), max_coords=20, tol=1e-5)
        errors.update({key(n, flag): e for n, e in found.items()})
    return errors


_GRADIENT_CHECKS = {
    "gru_step_backward": _gc_gru_step_backward,
    "gru_backward": _gc_gru_backward,
}


# The notebook imports gradcheck from here; the one implementation is in grading.py.
from rnnkit.grading import gradcheck  # noqa: E402,F401
# ------------------------------------------------------- the regressor and the experiment

def _regressor_setup(impl, rng, name, N, T, H):
    cell = getattr(impl, f"{name}_cell")()
    x, y = adding_problem(N, T, rng)
    params = impl.init_regressor(cell, x.shape[2], H, int(rng.integers(1 << 30)))
    return cell, params, x, y


# regressor_loss is checked with the notebook's rnn_cell and lstm_cell, reached through
# impl like everything else: they wrap rnn_forward, lstm_forward and their backward
# passes from the notebook's provided code (chapters 1, 2 and 4), so this check does not
# depend on the learner's GRU (parts 1-4).
_REGRESSOR_CELLS = ("rnn", "lstm")


@case("ch05", hint=N_("pred = h[:, -1] @ Wy + by, shape (N, 1), from a zero initial state; "
                      "err = pred[:, 0] - y, shape (N,) (pred - y would broadcast to "
                      "(N, N)); loss = mean over the batch of err ** 2; dpred = (2 / N) * "
                      "err[:, None], shape (N, 1); dh is zero except at the last step, "
                      "where it is dpred @ Wy.T; dWy = h[:, -1].T @ dpred and dby = dpred "
                      "summed over the batch."),
      judge=_gate_judge("regressor_loss", {}, {}))
def regressor_loss(impl, rng, N=4, T=5, H=3):
    out = {}
    for name in _REGRESSOR_CELLS:
        cell, params, x, y = _regressor_setup(impl, rng, name, N, T, H)
        loss, grads = _tuple_of(impl.regressor_loss(cell, params, x, y), 2, "regressor_loss",
                                "loss, grads")
        out[f"loss ({name} cell)"] = loss
        if not isinstance(grads, dict):
            raise CheckFailure(_("regressor_loss: grads should be a dict {name: gradient} "
                                 "with the keys of params."))
        for k in params:
            out[f"d{k} ({name} cell)"] = grads.get(k)
    return out


def _gc_regressor_loss(impl, rng, N=3, T=4, H=3):
    errors = {}
    for name in _REGRESSOR_CELLS:
        cell, params, x, y = _regressor_setup(impl, rng, name, N, T, H)
        _loss, grads = impl.regressor_loss(cell, dict(params), x, y)
        found = grad_check(
            f"regressor_loss ({name} cell)",
            lambda **p: float(impl.regressor_loss(cell, p, x, y)[0]), params,
            lambda dloss: {k: dloss * np.asarray(g) for k, g in grads.items()},
            max_coords=15, tol=1e-5)
        errors.update({f"{k} ({name} cell)": e for k, e in found.items()})
    return errors


_GRADIENT_CHECKS["regressor_loss"] = _gc_regressor_loss

_CELLS = ("rnn", "lstm", "gru")
_PLAUSIBLE_FROM = 100      # steps: below this the budget is too small to judge learning


def _judge_comparison(got: dict, expected: dict) -> None:
    for name in _CELLS:
        for part in ("train", "test"):
            k = f"{name} {part}"
            if got.get(k) is None:
                raise CheckFailure(_("compare_cells: results[{name!r}][{part!r}] is missing."
                                     ).format(name=name, part=part))
            check_array("compare_cells", f"results[{name!r}][{part!r}]", got[k],
                        np.asarray(expected[k]), rtol=1e-9, atol=1e9)  # shape and type
    steps = len(expected["rnn train"])
    test = {n: float(got[f"{n} test"]) for n in _CELLS}
    ref = {n: float(expected[f"{n} test"]) for n in _CELLS}
    summary = ", ".join(f"{n} {test[n]:.4f}" for n in _CELLS)
    if steps >= _PLAUSIBLE_FROM:
        for gated in ("lstm", "gru"):
            if not (test[gated] < 0.5 * test["rnn"] and test[gated] < 0.03):
                raise CheckFailure(_(
                    "compare_cells: implausible result: the {cell}'s test error {error:.4f} "
                    "should be well below the vanilla RNN's ({rnn:.4f}) and below 0.03 after "
                    "{steps} steps (the reference gets {reference}). Check that every cell "
                    "gets its own init_regressor(...) and a fresh Adam state, and that the "
                    "loss is recorded before each update.").format(
                        cell=gated.upper(), error=test[gated], rnn=test['rnn'], steps=steps,
                        reference=', '.join(f'{n} {ref[n]:.4f}' for n in _CELLS)))
    for name in _CELLS:
        g = np.asarray(got[f"{name} train"], dtype=float)
        e = np.asarray(expected[f"{name} train"], dtype=float)
        off = np.flatnonzero(~np.isclose(g, e, rtol=1e-4, atol=1e-8))
        if off.size:
            s = int(off[0])
            raise CheckFailure(
                _("compare_cells: the {name} training curve differs from the reference "
                  "from step {s} on (yours {got:.6g}, expected {expected:.6g}).").format(
                      name=name, s=s, got=g[s], expected=e[s]) + " "
                + (_("At step 0 nothing has been trained yet: use init_regressor(cell, D, "
                     "hidden_size, seed) for every cell and record the loss before the "
                     "update.")
                   if s == 0 else _("Take exactly one adam_step per batch, in order, with "
                                    "the learning rate lr and a fresh state {} for every "
                                    "cell.")))
        if not np.isclose(test[name], ref[name], rtol=1e-3, atol=1e-8):
            raise CheckFailure(_(
                "compare_cells: the {name} test loss is {got:.6g}, expected {expected:.6g}. "
                "Compute it on (x_test, y_test) after the last update, with regressor_loss "
                "and without updating.").format(name=name, got=test[name],
                                                expected=ref[name]))
    print(_("compare_cells: test MSE after {steps} steps: {summary} (predicting the mean "
            "gives about 0.167)").format(steps=steps, summary=summary))


@case("ch05", judge=_judge_comparison)
def compare_cells(impl, rng, steps=150, N=64, T=12, H=16, lr=0.02, n_test=500):
    batches = [adding_problem(N, T, rng) for _ in range(steps)]
    test = adding_problem(n_test, T, rng)
    cells = {name: getattr(impl, f"{name}_cell")() for name in _CELLS}
    results = impl.compare_cells(cells, batches, test, H, lr, 0)
    if not isinstance(results, dict) or set(results) != set(_CELLS):
        raise CheckFailure(_("compare_cells: return a dict with one entry per cell name "
                             "({names}).").format(names=', '.join(_CELLS)))
    out = {}
    for name in _CELLS:
        res = results[name]
        if not isinstance(res, dict):
            raise CheckFailure(_("compare_cells: results[{name!r}] should be a dict with "
                                 "keys 'train' and 'test'.").format(name=name))
        out[f"{name} train"] = res.get("train")
        out[f"{name} test"] = res.get("test")
    return out


# Conceptual questions (rnnkit.questions): their keys are in the solution notebook only.
multiple_choice("ch05", "gate_merge", "abcd",
                hint=N_("Reread chapter 5, *What the GRU merges*, and the note that "
                        "follows it."))
count("ch05", "param_gap",
        hint=N_("Reread chapter 5, *Parameters and arithmetic*, and count the entries of "
                "every array each layer's function takes, from its shape: the table counts "
                "one bias per block, and gru_forward takes two."))
