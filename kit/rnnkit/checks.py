"""The course's checking toolkit: array comparison and finite-difference gradient checks.

Every failure raises :class:`CheckFailure` (an ``AssertionError``) whose message is a
sentence a learner can act on: which function, which array, what kind of problem
(shape, dtype, NaN, values), how large the error is against the tolerance, and where
in the array it sits (which batch rows, time steps, columns).
"""
from __future__ import annotations

import re
from typing import Callable, Mapping, Sequence

import numpy as np

from rnnkit.i18n import _, N_, tidy

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
    word longer than that, such as a URL, gets a line of its own). Chinese text breaks
    between its characters too, each counted as two columns."""
    import textwrap
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        indent = paragraph[:len(paragraph) - len(paragraph.lstrip())]
        if _WIDE.search(paragraph):
            lines += _wrap_wide(paragraph, width, indent + "  ") or [""]
            continue
        lines += textwrap.wrap(paragraph, width, subsequent_indent=indent + "  ",
                               break_long_words=False, break_on_hyphens=False) or [""]
    return lines


# CJK characters and full-width punctuation; a line may not start with a closing one
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f\u201c\u201d]")
_NO_LINE_START = set("，。、；：！？）】」』”")


def _columns(text: str) -> int:
    return sum(2 if _WIDE.match(ch) else 1 for ch in text)


def _wrap_wide(paragraph: str, width: int, indent: str) -> list[str]:
    """Wrap text with CJK in it: break at spaces, or between two CJK characters, never
    before closing punctuation; Latin words stay whole."""
    pieces = re.findall(r"\s+|[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
                        r"\u3000-\u303f\u201c\u201d]+|.", paragraph.strip())
    tokens: list[str] = []                 # closing punctuation sticks to what precedes
    for piece in pieces:
        if tokens and piece in _NO_LINE_START:
            tokens[-1] += piece
        else:
            tokens.append(piece)
    lead = paragraph[:len(paragraph) - len(paragraph.lstrip())]
    lines, line = [], lead
    for token in tokens:
        if line.strip() and _columns(line + token) > width and not token.isspace():
            lines.append(line.rstrip())
            line = indent
        if token.isspace():
            if line.strip():
                line += " "
            continue
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


class CheckFailure(AssertionError):
    """A self-check or hidden test failed; the message says what to look at.

    IPython (Jupyter, VS Code, nbgrader) shows it as its message alone, wrapped to
    lines that every front end shows whole, without the kit's internal frames. A
    message in Chinese is tidied on the way in (no spaces around Chinese punctuation,
    :func:`rnnkit.i18n.tidy`); an English one is kept as it is."""

    # The name of the catalogued mistake the message names (``Case.compare``), if any:
    # the instructor's report groups failures by it.
    mistake = ""

    def __init__(self, *args):
        super().__init__(*(tidy(a) if isinstance(a, str) else a for a in args))

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


def _describe_indices(idx: np.ndarray, size: int, axis: str) -> str:
    idx = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in idx[:8]) + (", ..." if len(idx) > 8 else "")
    return _("only {axis} = {indices} (of {size})").format(axis=axis, indices=shown,
                                                           size=size)


def _where(bad: np.ndarray, axes: Sequence[str] | None) -> str:
    """Say which slices of the array hold the wrong entries."""
    if bad.ndim == 0:
        return ""
    names = [_(a) for a in axes] if axes is not None and len(axes) == bad.ndim else [
        _("axis {k}").format(k=k) for k in range(bad.ndim)]
    parts = []
    for k in range(bad.ndim):
        other = tuple(j for j in range(bad.ndim) if j != k)
        along = bad.any(axis=other) if other else bad
        hit = np.flatnonzero(along)
        if 0 < hit.size < bad.shape[k]:
            parts.append(_describe_indices(hit, bad.shape[k], names[k]))
    n_bad, n = int(bad.sum()), bad.size
    where = _("{bad} of {n} entries are off").format(bad=n_bad, n=n)
    if parts:
        # Translators: "; " joins "only N = 0 (of 3)" and "only T = 1, 2 (of 4)".
        where = _("{count}; {slices} differ, the rest match").format(
            count=where, slices=_("; ").join(parts))
    return where


def check_array(func: str, name: str, got, expected, *, rtol: float = 1e-6,
                atol: float = 1e-9, axes: Sequence[str] | None = None,
                hint: str = "") -> None:
    """Raise :class:`CheckFailure` unless ``got`` matches ``expected``.

    ``axes`` names the axes of the array (e.g. ``("N", "T", "H")``) so the message can
    say "only T = 3, 4 differ". ``hint`` is appended to the message when values differ.
    """
    prefix = f"{func}: {_(name)}"
    hint = f" {_(hint)}" if hint else ""
    expected = np.asarray(expected)
    if got is None:
        raise CheckFailure(_("{prefix} is None. Did the function forget to return it?"
                             ).format(prefix=prefix))
    if isinstance(got, np.ndarray) and type(got) is not np.ndarray:
        raise CheckFailure(_("{prefix} is a {kind}, a subclass of ndarray; return a plain "
                             "numpy array (np.asarray).").format(prefix=prefix,
                                                                 kind=type(got).__name__))
    if type(got) in (list, tuple):  # an array-like where the contract says array
        try:
            converted = np.asarray(got)
        except (ValueError, TypeError):
            converted = None
        if converted is None or converted.dtype.kind not in "fiub":
            raise CheckFailure(_("{prefix} should be a numpy array or number, got a {kind} "
                                 "that is not a rectangular array of numbers.").format(
                                     prefix=prefix, kind=type(got).__name__))
        got = converted
    if not isinstance(got, (np.ndarray, np.generic, int, float, bool, complex)):
        raise CheckFailure(_("{prefix} should be a numpy array or number, got {kind}."
                             ).format(prefix=prefix, kind=type(got).__name__))
    got = np.asarray(got)
    if got.shape != expected.shape:
        raise CheckFailure(_("{prefix} has shape {shape}, expected {expected}. Check which "
                             "axis you summed over or how you stacked time steps.").format(
                                 prefix=prefix, shape=got.shape, expected=expected.shape))
    if expected.dtype.kind in "iub":
        if got.dtype.kind not in "iub":
            raise CheckFailure(_("{prefix} has dtype {dtype}; expected integers "
                                 "({expected}).").format(prefix=prefix, dtype=got.dtype,
                                                         expected=expected.dtype))
        bad = got != expected
        if bad.any():
            where = _where(bad, axes) or _("got {got}, expected {expected}").format(
                got=got.tolist(), expected=expected.tolist())
            raise CheckFailure(_("{prefix} is wrong: {where}.").format(prefix=prefix,
                                                                        where=where) + hint)
        return
    if got.dtype.kind not in "fiub":
        raise CheckFailure(_("{prefix} has dtype {dtype}; expected real numbers.").format(
            prefix=prefix, dtype=got.dtype))
    finite = np.isfinite(got)
    if not finite.all() and np.isfinite(expected).all():
        kind = "NaN" if np.isnan(got).any() else "Inf"
        raise CheckFailure(_("{prefix} contains {kind}: {where}. Look for overflow in exp() "
                             "or a division by zero.").format(prefix=prefix, kind=kind,
                                                              where=_where(~finite, axes)))
    got64 = got.astype(np.float64)
    exp64 = expected.astype(np.float64)
    close = np.isclose(got64, exp64, rtol=rtol, atol=atol, equal_nan=True)
    if not close.all():
        err = rel_error(np.where(close, exp64, got64), exp64)
        worst = float(np.max(np.abs(got64 - exp64)))
        where = _where(~close, axes)
        raise CheckFailure(
            _("{prefix} is wrong (max relative error {err:.1e}, largest difference "
              "{worst:.2e}, tolerance {rtol:.0e}).").format(prefix=prefix, err=err,
                                                            worst=worst, rtol=rtol)
            + (f" {where}." if where else "") + hint)


# Endings of a message that names wrong outputs: how the right ones are listed, as a
# template of ``{names}`` (the right outputs joined by ``join``), or a pair of them: for
# one right output and for several.
RIGHT_SAME_LINE = (N_(" ({names} is right.)"), N_(" ({names} are right.)"))
RIGHT_NEW_LINE = (N_("\n({names} is right.)"), N_("\n({names} are right.)"))


def check_each(expected: Mapping[str, object], check_one: Callable[[str, object], None],
               *, describe: Callable[[str, str], str] | None = None,
               hints: Mapping[str, str] | None = None,
               right: str | tuple[str, str] = RIGHT_SAME_LINE,
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
            hint = _((hints or {}).get(name))
            failures.append(f"{message} {hint}".rstrip() if hint else message)
            wrong.append(name)
        else:
            ok.append(name)
    if not failures:
        return
    message = "\n".join(failures)
    if ok:
        template = right if isinstance(right, str) else right[len(ok) > 1]
        message += _(template).format(names=join.join(ok))
    elif all_wrong:
        message += "\n" + _("Every output is wrong: {advice}").format(advice=_(all_wrong))
    lines = list(advice(wrong, ok)) if advice else []
    raise CheckFailure("\n".join([message, *lines]))


def check_outputs(func: str, got: Mapping[str, object], expected: Mapping[str, object],
                  *, rtol: float = 1e-6, atol: float = 1e-9,
                  axes: Mapping[str, Sequence[str]] | None = None,
                  hints: Mapping[str, str] | None = None,
                  right: str | tuple[str, str] = RIGHT_SAME_LINE, all_wrong: str = "") -> None:
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
            problems.append(_("{func}: gradient d{name} is missing from what the backward "
                              "pass returned.").format(func=func, name=name))
            continue
        g = np.asarray(g, dtype=np.float64)
        if g.shape != inputs[name].shape:
            problems.append(_("{func}: d{name} has shape {shape} but {name} has shape "
                              "{expected}; a gradient has its variable's shape.").format(
                                  func=func, name=name, shape=g.shape,
                                  expected=inputs[name].shape))
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
                where = (_(" Wrong entries include index {index}; along axis 0 at {rows}.")
                         if len(first_axis) > 1 else _(" Wrong entries include index {index}.")
                         ).format(index=index, rows=first_axis[:8])
            problems.append(_("{func}: d{name} disagrees with the numerical gradient "
                              "(relative error {err:.1e}, tolerance {tol:.0e}).").format(
                                  func=func, name=name, err=err, tol=tol) + where)
    if problems:
        ok = [n for n in names if n in errors and errors[n] <= tol]
        tail = _(" (d{names} agree.)").format(names=", d".join(ok)) if ok else ""
        raise CheckFailure("\n".join(problems) + tail)
    return errors
