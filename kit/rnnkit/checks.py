"""The course's checking toolkit: array comparison and finite-difference gradient checks.

Every failure raises :class:`CheckFailure` (an ``AssertionError``) whose message is a
sentence a learner can act on: which function, which array, what kind of problem
(shape, dtype, NaN, values), how large the error is against the tolerance, and where
in the array it sits (which batch rows, time steps, columns).
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

__all__ = [
    "CheckFailure",
    "NotImplementedYet",
    "rel_error",
    "gradient_error",
    "check_array",
    "check_each",
    "check_outputs",
    "grad_check",
    "numeric_gradient",
]


# nbgrader's Validate indents output lines by four spaces and cuts them at about 90
# characters: messages are wrapped to this width when they are shown.
LINE_WIDTH = 80


def wrap_message(text: str, width: int = LINE_WIDTH) -> list[str]:
    """The lines of a learner-facing message, each at most ``width`` characters (a
    word longer than that, such as a URL, gets a line of its own)."""
    import textwrap
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        indent = paragraph[:len(paragraph) - len(paragraph.lstrip())]
        lines += textwrap.wrap(paragraph, width, subsequent_indent=indent + "  ",
                               break_long_words=False, break_on_hyphens=False) or [""]
    return lines


class CheckFailure(AssertionError):
    """A self-check or hidden test failed; the message says what to look at.

    IPython (Jupyter, VS Code, nbgrader) shows it as its message alone, wrapped to
    lines that every front end shows whole, without the kit's internal frames."""

    def _render_traceback_(self) -> list[str]:
        return wrap_message(f"{type(self).__name__}: {self}")


class NotImplementedYet(CheckFailure):
    """A graded part whose stub still raises NotImplementedError (shown as its one-line
    message, without a class name: it is a to-do, not an error)."""

    def _render_traceback_(self) -> list[str]:
        return wrap_message(str(self))


def rel_error(got: np.ndarray, expected: np.ndarray) -> float:
    """Largest elementwise relative error ``|a-b| / max(|a|+|b|, 1e-8)``."""
    got = np.asarray(got, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if got.size == 0:
        return 0.0
    denom = np.maximum(np.abs(got) + np.abs(expected), 1e-8)
    return float(np.max(np.abs(got - expected) / denom))


def gradient_error(analytic: np.ndarray, numeric: np.ndarray,
                   floor: float = 1e-3) -> float:
    """Largest entrywise error between an analytic and a numerical gradient, relative to
    the entry's own size, but never to less than ``floor`` times the array's largest
    entry.

    Plain relative error (:func:`rel_error`) divides by ``|a| + |b|``, which is tiny for
    gradient entries that are (nearly) zero, so finite-difference noise there looks like
    a large error and forces loose tolerances. Measuring such entries on the array's
    own scale keeps a tight tolerance meaningful: a wrong formula is off by a sizeable
    fraction of the gradient's scale somewhere, which this still reports.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    if a.size == 0:
        return 0.0
    if not (np.isfinite(a).all() and np.isfinite(n).all()):
        return float("inf")
    scale = max(float(np.max(np.abs(a))), float(np.max(np.abs(n))))
    denom = np.maximum(np.abs(a) + np.abs(n), max(floor * scale, 1e-8))
    return float(np.max(np.abs(a - n) / denom))


def _describe_indices(idx: np.ndarray, size: int, label: str) -> str:
    idx = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in idx[:8]) + (", ..." if len(idx) > 8 else "")
    return f"{label} {shown} (of {size})"


def _where(bad: np.ndarray, axes: Sequence[str] | None) -> str:
    """Say which slices of the array hold the wrong entries."""
    if bad.ndim == 0:
        return ""
    names = list(axes) if axes is not None and len(axes) == bad.ndim else [
        f"axis {k}" for k in range(bad.ndim)]
    parts = []
    for k in range(bad.ndim):
        other = tuple(j for j in range(bad.ndim) if j != k)
        along = bad.any(axis=other) if other else bad
        hit = np.flatnonzero(along)
        if 0 < hit.size < bad.shape[k]:
            parts.append(_describe_indices(hit, bad.shape[k], f"only {names[k]} ="))
    n_bad, n = int(bad.sum()), bad.size
    where = f"{n_bad} of {n} entries are off"
    if parts:
        where += "; " + "; ".join(parts) + " differ, the rest match"
    return where


def check_array(func: str, name: str, got, expected, *, rtol: float = 1e-6,
                atol: float = 1e-9, axes: Sequence[str] | None = None,
                hint: str = "") -> None:
    """Raise :class:`CheckFailure` unless ``got`` matches ``expected``.

    ``axes`` names the axes of the array (e.g. ``("N", "T", "H")``) so the message can
    say "only T = 3, 4 differ". ``hint`` is appended to the message when values differ.
    """
    prefix = f"{func}: {name}"
    expected = np.asarray(expected)
    if got is None:
        raise CheckFailure(f"{prefix} is None. Did the function forget to return it?")
    if isinstance(got, np.ndarray) and type(got) is not np.ndarray:
        raise CheckFailure(f"{prefix} is a {type(got).__name__}, a subclass of ndarray; "
                           "return a plain numpy array (np.asarray).")
    if type(got) in (list, tuple):  # an array-like where the contract says array
        try:
            converted = np.asarray(got)
        except (ValueError, TypeError):
            converted = None
        if converted is None or converted.dtype.kind not in "fiub":
            raise CheckFailure(f"{prefix} should be a numpy array or number, got a "
                               f"{type(got).__name__} that is not a rectangular array of "
                               "numbers.")
        got = converted
    if not isinstance(got, (np.ndarray, np.generic, int, float, bool, complex)):
        raise CheckFailure(f"{prefix} should be a numpy array or number, "
                           f"got {type(got).__name__}.")
    got = np.asarray(got)
    if got.shape != expected.shape:
        raise CheckFailure(f"{prefix} has shape {got.shape}, expected {expected.shape}. "
                           "Check which axis you summed over or how you stacked time steps.")
    if expected.dtype.kind in "iub":
        if got.dtype.kind not in "iub":
            raise CheckFailure(f"{prefix} has dtype {got.dtype}; expected integers "
                               f"({expected.dtype}).")
        bad = got != expected
        if bad.any():
            where = _where(bad, axes) or f"got {got.tolist()}, expected {expected.tolist()}"
            raise CheckFailure(f"{prefix} is wrong: {where}." + (f" {hint}" if hint else ""))
        return
    if got.dtype.kind not in "fiub":
        raise CheckFailure(f"{prefix} has dtype {got.dtype}; expected real numbers.")
    finite = np.isfinite(got)
    if not finite.all() and np.isfinite(expected).all():
        kind = "NaN" if np.isnan(got).any() else "Inf"
        raise CheckFailure(f"{prefix} contains {kind}: {_where(~finite, axes)}. "
                           "Look for overflow in exp() or a division by zero.")
    got64 = got.astype(np.float64)
    exp64 = expected.astype(np.float64)
    close = np.isclose(got64, exp64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        err = rel_error(np.where(close, exp64, got64), exp64)
        worst = float(np.max(np.abs(got64 - exp64)))
        where = _where(~close, axes)
        raise CheckFailure(
            f"{prefix} is wrong (max relative error {err:.1e}, largest difference "
            f"{worst:.2e}, tolerance {rtol:.0e})." + (f" {where}." if where else "")
            + (f" {hint}" if hint else ""))


# Endings of a message that names wrong outputs: how the right ones are listed.
# ``{names}`` is the right outputs joined by ``join``; ``{verb}`` is "is" or "are".
RIGHT_SAME_LINE = " ({names} {verb} right.)"
RIGHT_NEW_LINE = "\n({names} {verb} right.)"


def check_each(expected: Mapping[str, object], check_one: Callable[[str, object], None],
               *, describe: Callable[[str, str], str] | None = None,
               hints: Mapping[str, str] | None = None, right: str = RIGHT_SAME_LINE,
               join: str = ", ", all_wrong: str = "",
               advice: Callable[[list[str], list[str]], Sequence[str]] | None = None
               ) -> None:
    """Check every output and raise one :class:`CheckFailure` that names all wrong ones.

    ``check_one(name, expected[name])`` raises CheckFailure when that output is wrong.
    The message holds, one line each, what every failure said, rewritten by
    ``describe(name, message)`` (e.g. to say which gate's block differs) and followed
    by ``hints[name]``. Then it ends:

    - with ``right`` (a template, see ``RIGHT_SAME_LINE``) naming the right outputs, or,
      when none is right and ``all_wrong`` is given, "Every output is wrong: ..." and
      ``all_wrong`` on a line of its own: which outputs are right points at the mistake;
    - with the lines of ``advice(wrong, right)`` (names of the wrong and right outputs),
      for hints read from that pattern.
    """
    failures, wrong, ok = [], [], []
    for name, exp in expected.items():
        try:
            check_one(name, exp)
        except CheckFailure as failure:
            message = describe(name, str(failure)) if describe else str(failure)
            hint = (hints or {}).get(name)
            failures.append(f"{message} {hint}".rstrip() if hint else message)
            wrong.append(name)
        else:
            ok.append(name)
    if not failures:
        return
    message = "\n".join(failures)
    if ok:
        message += right.format(names=join.join(ok), verb="is" if len(ok) == 1 else "are")
    elif all_wrong:
        message += f"\nEvery output is wrong: {all_wrong}"
    lines = list(advice(wrong, ok)) if advice else []
    raise CheckFailure("\n".join([message, *lines]))


def check_outputs(func: str, got: Mapping[str, object], expected: Mapping[str, object],
                  *, rtol: float = 1e-6, atol: float = 1e-9,
                  axes: Mapping[str, Sequence[str]] | None = None,
                  hints: Mapping[str, str] | None = None, right: str = RIGHT_SAME_LINE,
                  all_wrong: str = "") -> None:
    """Compare every named output with :func:`check_array`; the message lists all wrong
    ones, each with its hint, and the right ones (see :func:`check_each`)."""
    def check_one(name: str, exp: object) -> None:
        check_array(func, name, got.get(name), exp, rtol=rtol, atol=atol,
                    axes=(axes or {}).get(name))

    check_each(expected, check_one, hints=hints, right=right, all_wrong=all_wrong)


def numeric_gradient(f: Callable[[], float], x: np.ndarray, coords, eps: float = 1e-6
                     ) -> np.ndarray:
    """Centred finite differences of scalar ``f()`` w.r.t. ``x`` at the given coordinates.

    ``x`` is perturbed in place and restored; returns one derivative per coordinate.
    """
    out = np.empty(len(coords))
    for k, ix in enumerate(coords):
        old = x[ix]
        x[ix] = old + eps
        plus = f()
        x[ix] = old - eps
        minus = f()
        x[ix] = old
        out[k] = (plus - minus) / (2 * eps)
    return out


def _sample_coords(shape, max_coords: int, rng: np.random.Generator):
    size = int(np.prod(shape))
    flat = np.arange(size) if size <= max_coords else rng.choice(size, max_coords,
                                                                  replace=False)
    return [np.unravel_index(int(i), shape) for i in flat]


def grad_check(func: str, forward: Callable[..., object], inputs: Mapping[str, np.ndarray],
               analytic: Callable[[object], Mapping[str, np.ndarray]], *,
               seed: int = 0, eps: float = 1e-6, tol: float = 1e-6,
               max_coords: int = 40, check: Sequence[str] | None = None) -> dict:
    """Check analytic gradients against centred finite differences, in float64.

    forward(**inputs) returns an array or a tuple of arrays. A random upstream gradient
    ``dout`` is drawn for each array output, so every output entry matters; the scalar
    is ``sum(out * dout)``. ``analytic(douts)`` returns ``{name: gradient}`` for the
    inputs named in ``check`` (default: every float input). Large arrays are checked
    at ``max_coords`` sampled coordinates. Returns ``{name: error}`` (see
    :func:`gradient_error`) and raises :class:`CheckFailure` listing every array whose
    error exceeds ``tol``.
    """
    rng = np.random.default_rng(seed)
    inputs = {k: (np.array(v, dtype=np.float64) if np.asarray(v).dtype.kind == "f" else v)
              for k, v in inputs.items()}

    def outputs():
        out = forward(**inputs)
        out = out if isinstance(out, tuple) else (out,)
        return [np.asarray(o, dtype=np.float64) for o in out
                if isinstance(o, (np.ndarray, float, np.floating))]

    first = outputs()
    douts = [rng.standard_normal(o.shape) for o in first]

    def scalar():
        return float(sum(np.sum(o * d) for o, d in zip(outputs(), douts)))

    grads = analytic(douts if len(douts) > 1 else douts[0])
    names = check if check is not None else [
        k for k, v in inputs.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    errors, problems = {}, []
    for name in names:
        g = grads.get(name) if isinstance(grads, Mapping) else None
        if g is None:
            problems.append(f"{func}: gradient d{name} is missing from what the backward "
                            "pass returned.")
            continue
        g = np.asarray(g, dtype=np.float64)
        if g.shape != inputs[name].shape:
            problems.append(f"{func}: d{name} has shape {g.shape} but {name} has shape "
                            f"{inputs[name].shape}; a gradient has its variable's shape.")
            continue
        coords = _sample_coords(inputs[name].shape, max_coords, rng)
        num = numeric_gradient(scalar, inputs[name], coords, eps)
        ana = np.array([g[c] for c in coords])
        err = gradient_error(ana, num)
        errors[name] = err
        if not np.isfinite(ana).all() or err > tol:
            wrong = [c for c, a, n in zip(coords, ana, num)
                     if not np.isclose(a, n, rtol=tol * 10, atol=1e-7)]
            where = ""
            if wrong and inputs[name].ndim >= 1:
                first_axis = sorted({int(c[0]) for c in wrong})
                index = tuple(int(i) for i in wrong[0])  # (0, 2), not (np.int64(0), ...)
                where = f" Wrong entries include index {index}"
                where += f"; along axis 0 at {first_axis[:8]}." if len(first_axis) > 1 else "."
            problems.append(f"{func}: d{name} disagrees with the numerical gradient "
                            f"(relative error {err:.1e}, tolerance {tol:.0e}).{where}")
    if problems:
        ok = [n for n in names if n in errors and errors[n] <= tol]
        tail = f" (d{', d'.join(ok)} agree.)" if ok else ""
        raise CheckFailure("\n".join(problems) + tail)
    return errors
