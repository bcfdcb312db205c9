"""What a learner's function did, and whose failure it is: the learner's (their code
raised, or returned what the check cannot use; a stub not written yet; outputs not of
the reference's form) or the course's (:class:`SelfCheckBroken`). Each becomes a
sentence the learner can act on.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Mapping

import numpy as np

from rnnkit.checks import LINE_WIDTH, CheckFailure, NotImplementedYet
from rnnkit.i18n import _, N_

if TYPE_CHECKING:
    from rnnkit.recording import RecordingImpl


def _outside_libraries(filename: str) -> bool:
    """True for a frame of the learner's code (a notebook cell or a file of theirs)."""
    import sysconfig
    libraries = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                     "platlib")}
    return not filename.startswith("<frozen") \
        and not any(filename.startswith(str(Path(lib))) for lib in libraries) \
        and not filename.startswith(str(Path(__file__).resolve().parent))


def describe_value(value, depth: int = 0) -> str:
    """A learner-readable account of a returned value: "a tuple of 2 (an array of shape
    (3, 5) float64, a list of 4)", "an array of shape (3, 5) float64", "None"."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return _("an array of shape {shape} {dtype}").format(
            shape=tuple(int(n) for n in value.shape), dtype=value.dtype)
    if isinstance(value, (bool, int, float, np.generic)):
        return _("the number {value}").format(
            value=value.item() if isinstance(value, np.generic) else value)
    if isinstance(value, (tuple, list, dict)):
        text = _("a {kind} of {n}").format(kind=type(value).__name__, n=len(value))
        if depth == 0 and isinstance(value, (tuple, list)) and value:
            parts = [describe_value(v, 1) for v in list(value)[:4]]
            text += f" ({', '.join(parts)}{', ...' if len(value) > 4 else ''})"
        return text
    return _("a {kind}").format(kind=type(value).__name__)


def _returns_section(fn) -> str:
    """The "Returns" part of a function's docstring, on one line (or "")."""
    doc = getattr(fn, "__doc__", None) or ""
    lines = doc.splitlines()
    for k, line in enumerate(lines):
        if line.strip().lower().startswith("returns"):
            body = []
            for nxt in [line.strip()] + lines[k + 1:]:
                if not nxt.strip():
                    break
                body.append(nxt.strip())
            text = " ".join(body)
            return text if len(text) <= 240 else text[:237] + "..."
    return ""


def crash_message(function: str, exc: BaseException, context: str,
                  last_return: tuple[str, object, object] | None = None) -> str:
    """What a learner is told when a case crashed: where in their code, or, when the
    kit itself failed on what their function returned, what it returned and what its
    docstring promises (not "your code raised")."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    kit = str(Path(__file__).resolve().parent)
    if frames and frames[-1].filename.startswith(kit):
        if last_return is not None:
            name, fn, value = last_return
            promised = _returns_section(fn)
            return (_("{name} returned {value}, which the check could not use ({error}: "
                      "{detail}); your function itself did not raise.").format(
                          name=name, value=describe_value(value),
                          error=type(exc).__name__, detail=exc)
                    + (_(" Its docstring says: {promised}").format(promised=promised)
                       if promised else _(" Return what its docstring says, in that order."))
                    + f" ({context})")
        return _("{function} returned something the check could not use ({error}: "
                 "{detail}). Return what its docstring says, in that order ({context})."
                 ).format(function=function, error=type(exc).__name__, detail=exc,
                          context=context)
    mine = [f for f in frames if _outside_libraries(f.filename)]
    where = ""
    if mine:
        line = (mine[-1].line or "").strip()
        where = (_(" at line {line} of {name}: `{code}`") if line else
                 _(" at line {line} of {name}")).format(line=mine[-1].lineno,
                                                        name=mine[-1].name, code=line)
    return _("{function} raised {error}: {detail}{where} ({context}).").format(
        function=function, error=type(exc).__name__, detail=exc, where=where,
        context=context)


def not_implemented(function: str, exc: NotImplementedError) -> NotImplementedYet:
    """The one-line message of a part whose stub still raises NotImplementedError."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1].name if frames else function
    if where in ("<module>", function) or where.startswith("_"):
        return NotImplementedYet(_("{function} is not implemented yet: replace its stub."
                                   ).format(function=function))
    # one line, so that every front end shows it whole (see checks.LINE_WIDTH)
    for template in (_("{function} calls {where}, which is not implemented yet: write that "
                       "first."),
                     _("{function} calls {where}, which is not implemented yet."),
                     _("{function}: {where} is not implemented yet.")):
        message = template.format(function=function, where=where)
        if len(message) <= LINE_WIDTH:
            break
    return NotImplementedYet(message)


def run_learner(function: str, context: str, call, impl: RecordingImpl | None = None,
                name: str | None = None):
    """``call()``, with the learner's crashes turned into the kit's messages: a stub
    that is not written yet, or where their code raised (or the kit could not use it).
    A case (``name``) that raises in the kit's own code before it looked anything up in
    the learner's namespace failed on its own: SelfCheckBroken."""
    try:
        return call()
    except CheckFailure:
        raise
    except NotImplementedError as exc:
        raise not_implemented(function, exc) from None
    except Exception as exc:  # learner code crashed: say where, keep the type
        if name is not None and impl is not None and not impl.used:
            raise self_check_broken(name, N_("the case's own code"), exc, context) from None
        raise CheckFailure(crash_message(
            function, exc, context, impl.last_return if impl is not None else None)
        ) from None


class SelfCheckBroken(CheckFailure):
    """The course's own code of a check (its case, fixture, reference, judge or catalogue
    of mistakes) raised: a bug in the course, not a failure of the learner's code."""


def _kit_version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("rnnkit")
    except PackageNotFoundError:
        return "not installed as a package"


def self_check_broken(name: str, where: str, exc: BaseException,
                      context: str) -> SelfCheckBroken:
    """What a learner is told when the course's code of a check raised: that the
    self-check itself failed, not their code, and what to report."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    at = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return SelfCheckBroken(_(
        "{name}: the self-check itself failed (a bug in the course, not in your code): "
        "{where} raised {error}: {detail}{at}. Your function may well be right. Please "
        "report this whole message to your instructor or on the course's issue tracker, "
        "with the kit's version (rnnkit {version}) and the case ({context})."
    ).format(name=name, where=_(where), error=type(exc).__name__, detail=str(exc)[:300],
             at=at, version=_kit_version(), context=context))


def malformed_outputs(function: str, got, expected) -> str | None:
    """The learner's message for outputs not of the reference's form (see
    :func:`output_mismatch`), the same in the kernel and from the outside judge; None
    when they have the reference's form."""
    problem = output_mismatch(function, got, expected)
    if problem is None:
        return None
    return problem + _(" The outputs are incomplete or malformed: return what the "
                       "docstring says, in that order.")


def output_mismatch(function: str, got, expected) -> str | None:
    """Why the outputs ``got`` are not of the form of the reference's ``expected`` (an
    output missing, another kind of value, another shape or length), in a sentence
    for the learner; None when they have the reference's form. A comparison that
    raises on outputs of the reference's form has a bug; on others, the outputs are
    the learner's failure."""
    if not isinstance(got, Mapping):
        return _("{function}: the check got {value} instead of its outputs.").format(
            function=function, value=describe_value(got))
    for name, want in expected.items():
        if name not in got:
            return _("{function}: {name} is missing from its outputs.").format(
                function=function, name=name)
        problem = _form_mismatch(got[name], want)
        if problem is not None:
            return _("{function}: {name} is {problem}.").format(function=function,
                                                                 name=name, problem=problem)
    return None


def _form_mismatch(got, want, depth: int = 0) -> str | None:
    """How ``got`` differs in form from ``want`` (kind of value, shape, length), or
    None; containers are compared element by element, a few levels deep."""
    numbers = (bool, int, float, complex, np.number, np.bool_)
    if isinstance(want, (np.ndarray, np.generic)) or isinstance(want, numbers):
        want_arr = np.asarray(want)
        if not isinstance(got, (np.ndarray, np.generic) + numbers):
            return _("{got} where the reference gives {want}").format(
                got=describe_value(got), want=describe_value(want))
        got_arr = np.asarray(got)
        if got_arr.shape != want_arr.shape or (got_arr.dtype.kind in "OSUV") != (
                want_arr.dtype.kind in "OSUV"):
            return _("{got} where the reference gives {want}").format(
                got=describe_value(got), want=describe_value(want))
        return None
    for kind in (list, tuple, dict):
        if isinstance(want, kind):
            same = isinstance(got, dict) if kind is dict else isinstance(got, (list, tuple))
            if not same or len(got) != len(want) or (kind is dict and set(got) != set(want)):
                return _("{got} where the reference gives {want}").format(
                    got=describe_value(got), want=describe_value(want))
            if depth >= 3:
                return None
            pairs = [(got[k], want[k]) for k in want] if kind is dict else zip(got, want)
            for item, wanted in pairs:
                problem = _form_mismatch(item, wanted, depth + 1)
                if problem is not None:
                    return problem
            return None
    if want is None or isinstance(want, (str, bytes)):
        return None if type(got) is type(want) else \
            _("{got} where the reference gives {want}").format(
                got=describe_value(got), want=describe_value(want))
    return None
