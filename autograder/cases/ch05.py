"""Cases for chapter 5: the GRU step and sequence passes in both conventions (reset
applied before / after the recurrent matrix product), the loss and gradients of a
many-to-one regressor, and the RNN / LSTM / GRU comparison on the adding problem.

Every GRU case runs the learner's function in both conventions, and its outputs are
named after the convention, e.g. ``"next_h (reset_after=True)"``, so a failure message
says which one is wrong. Gate blocks of every (..., 3H) array are in the order reset r,
update z, candidate n (columns 0:H, H:2H, 2H:3H), as in PyTorch and cuDNN; messages name
the block that differs.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from autograder.cases import Impl, case
from autograder.checks import CheckFailure, check_array, grad_check

FLAGS = (False, True)
BLOCKS = ("reset-gate block r", "update-gate block z", "candidate block n")
CONVENTION = {
    False: "reset before the product (Cho et al.): n = tanh(xproj_n + (r * prev_h) @ Wh_n "
           "+ bh_n)",
    True: "reset after the product (PyTorch, cuDNN): n = tanh(xproj_n + r * (prev_h @ Wh_n "
          "+ bh_n))",
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
    blocks = " and the ".join(f"{BLOCKS[k]} (columns {k * H}:{(k + 1) * H})" for k in wrong)
    return f" The wrong columns are the {blocks}."


def _gate_judge(function: str, axes: Mapping[str, tuple], hints: Mapping[bool, str],
                common: str = "", rtol: float = 1e-6, atol: float = 1e-9):
    """Compare every output; name the convention and the gate blocks that differ."""
    def judge(got: dict, expected: dict) -> None:
        H = next(np.shape(v)[-1] for k, v in expected.items() if k.startswith("dprev_h")
                 or k.startswith("dh0") or k.startswith("next_h") or k.startswith("h "))
        failures, right, wrong_flags = [], [], set()
        for name, exp in expected.items():
            base = name.split(" (")[0]
            try:
                check_array(function, name, got.get(name), exp, rtol=rtol, atol=atol,
                            axes=axes.get(base))
                right.append(name)
            except CheckFailure as failure:
                failures.append(f"{failure}{_block_note(got.get(name), exp, H, rtol, atol)}")
                wrong_flags.add(name.endswith("(reset_after=True)"))
        if failures:
            if right:
                failures.append(f"({', '.join(right)} {'is' if len(right) == 1 else 'are'} "
                                "right.)")
            if common:
                failures.append(f"Hint: {common}")
            failures += [f"Hint ({'reset after' if f else 'reset before'}): {hints[f]}"
                         for f in sorted(wrong_flags) if hints.get(f)]
            raise CheckFailure("\n".join(failures))
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
        raise CheckFailure(f"{function}: return the tuple ({names}).")
    return result


# ------------------------------------------------------------------------ GRU step

_FORWARD_HINT = ("The gates are r = sigmoid(xproj_r + prev_h @ Wh_r + bh_r) and z likewise "
                 "with the update block; next_h = (1 - z) * n + z * prev_h (z keeps the old "
                 "state).")


def _judge_step_forward(got: dict, expected: dict) -> None:
    for flag in FLAGS:
        mine, other = got.get(key("next_h", flag)), expected[key("next_h", not flag)]
        if (mine is not None and np.shape(mine) == other.shape
                and np.allclose(np.asarray(mine, dtype=float), other, rtol=1e-6, atol=1e-9)
                and not np.allclose(other, expected[key("next_h", flag)])):
            raise CheckFailure(
                f"gru_step_forward: with reset_after={flag} your next_h is what the other "
                f"convention gives. reset_after={flag} means {CONVENTION[flag]}.")
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
    False: "the candidate the candidate block of dWh is "
           "(r * prev_h).T @ da_n, and the gradient of r * prev_h feeds both dr and dprev_h.",
    True: "dr = da_n * (prev_h @ Wh_n + bh_n), and the "
          "candidate blocks of dWh and dbh (and of what goes back to prev_h) carry the "
          "factor r; those of dxproj do not.",
}
_STEP_BACKWARD_COMMON = ("next_h = (1 - z) * n + z * prev_h gives prev_h the direct gradient "
                         "z * dnext_h, plus what flows back through the gates and the "
                         "candidate.")


@case("ch05", judge=_gate_judge(
    "gru_step_backward",
    {"dxproj": ("N", "column"), "dprev_h": ("N", "H"), "dWh": ("row", "column"),
     "dbh": ("column",)}, _BACKWARD_HINTS, _STEP_BACKWARD_COMMON))
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

_SEQ_FORWARD_HINT = ("Project all inputs at once (x @ Wx + bx, shape (N, T, 3H)), then run "
                     "the step from h0 over t = 0 ... T-1 with the same reset_after; h[:, t] "
                     "is the state after reading x[:, t].")


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
_SEQ_BACKWARD_HINT = ("Go backwards in time; step t gets dh[:, t] plus the dprev_h that step "
                      "t+1 sent back, and after step 0 that is dh0. Sum dWh and dbh over "
                      "time. dx, dWx and dbx come from the (N, T, 3H) gradient of the input "
                      "projections, collected in the loop and used once after it.")


@case("ch05", judge=_gate_judge(
    "gru_backward",
    {"dx": ("N", "T", "D"), "dh0": ("N", "H"), "dWx": ("row", "column"),
     "dWh": ("row", "column"), "dbx": ("column",), "dbh": ("column",)},
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


def gradcheck(name: str, namespace: Mapping[str, object], *, seed: int = 0,
              **shape) -> dict:
    """Check a learner's backward pass against centred finite differences of their
    forward pass, in float64 with a random upstream gradient, in both conventions:
    ``gradcheck("ch05.gru_backward", globals())``. Raises :class:`CheckFailure` naming
    every gradient that disagrees."""
    chapter, function = name.split(".", 1)
    if chapter != "ch05" or function not in _GRADIENT_CHECKS:
        raise KeyError(f"No gradient check for {name}.")
    impl = Impl(namespace)
    try:
        errors = _GRADIENT_CHECKS[function](impl, np.random.default_rng(seed), **shape)
    except (CheckFailure, NotImplementedError):
        raise
    except Exception as exc:  # learner code crashed: say where, keep the type
        raise CheckFailure(f"{function} raised {type(exc).__name__}: {exc} "
                           f"(gradient check seed={seed}, shape {shape}).") from exc
    worst = max(errors.values()) if errors else 0.0
    print(f"{function}: gradients agree with finite differences in both conventions "
          f"(largest relative error {worst:.1e})")
    return errors
