"""``check``: the one call that visible self-checks and hidden tests make.

``check("ch01.rnn_forward", globals(), seeds=[3], N=1, T=5)`` runs the case on the
learner's functions and on the reference with the same inputs and raises a
:class:`~rnnkit.checks.CheckFailure` that says what is wrong.

Expected outputs come from the shipped fixtures when the case is a visible one (so a
learner without the solutions can self-check) and from the reference implementation in
the instructor's side otherwise (hidden tests, at grading time; see :func:`instructor`).

When ``RNNCOURSE_RECORD_DIR`` is set (record mode: the sandboxed grading pipeline in
``autograder/pipeline/``), ``check`` compares nothing and never raises: for every case
instance it writes what the learner's code produced (outputs, or the exception it
raised, and which input arrays it changed in place) to that folder, and a clean process
outside the learner's kernel compares them with the reference and decides the grade.
The sandbox has no ``solutions/``, and nothing computed inside the learner's process is
trusted there anyway.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from rnnkit import cases as _cases
from rnnkit.checks import LINE_WIDTH, CheckFailure, NotImplementedYet

FIXTURES = Path(__file__).resolve().parent / "fixture_data"


def case_key(function: str, seed: int, shape: Mapping[str, object]) -> str:
    """Stable name of one case instance, used in fixtures and recordings."""
    parts = ",".join(f"{k}={shape[k]}" for k in sorted(shape))
    return f"{function}|seed={seed}|{parts}"


# Fixture entry listing the inputs the reference changes in place ("function:param").
MUTATED_KEY = "__mutated__"


def _fixture(chapter: str, key: str) -> dict | None:
    path = FIXTURES / f"{chapter}.npz"
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        prefix = key + "|"
        found = {k[len(prefix):]: data[k] for k in data.files if k.startswith(prefix)}
    return found or None


class HiddenCase(LookupError):
    """A case instance whose expected outputs do not ship with the kit (a hidden test)."""

    def _render_traceback_(self) -> list[str]:
        from rnnkit.checks import wrap_message
        return wrap_message(f"{type(self).__name__}: {self}")


@functools.lru_cache(maxsize=None)
def instructor():
    """The instructor's side of ``check``, when it is installed (never in a learner's
    environment): the object registered under the entry point group
    ``rnnkit.instructor``, with ``reference_run(chapter, function, seed, shape)`` and
    ``judge_for(chapter, function)``. The kit never imports it by name."""
    from importlib.metadata import entry_points
    for point in entry_points(group="rnnkit.instructor"):
        return point.load()
    return None


def expected_case(chapter: str, function: str, seed: int,
                  shape: Mapping[str, object]) -> tuple[dict, set[str]]:
    """Reference outputs of one case instance and the inputs the reference changes in
    place: from the shipped fixture if there is one, else from the instructor's side."""
    case = _cases.get(chapter, function)
    found = _fixture(chapter, case_key(function, seed, {**case.defaults, **shape}))
    if found is not None and MUTATED_KEY in found:
        mutated = {str(m) for m in found.pop(MUTATED_KEY)}
        return found, mutated
    side = instructor()
    if side is None:
        raise HiddenCase(
            f"{function}: the expected outputs of this case (seed={seed}, shape {shape}) "
            "are not shipped with the kit: it is one of the hidden tests, run when your "
            "notebook is graded. Your visible self-checks are the cells that call "
            f'check("{chapter}.{function}", globals()) without seeds.')
    return side.reference_run(chapter, function, seed, shape)


def judge_override(chapter: str, function: str):
    """The instructor's judge for a case, where it has one (e.g. a training case whose
    trained parameters are evaluated with the reference code), else None."""
    side = instructor()
    return side.judge_for(chapter, function) if side is not None else None


def mutation_message(mutated: list[str]) -> str:
    """What a learner is told when their function changed one of its inputs in place."""
    func, _, param = str(mutated[0]).partition(":")
    return (f"{func} changed its input `{param}` in place. Compute into new arrays "
            "(e.g. x = x - m, not x -= m): callers keep using their inputs.")


RECORD_ENV = "RNNCOURSE_RECORD_DIR"


def record_name(chapter: str, function: str, seed: int, shape: Mapping[str, object]) -> str:
    """File stem of one case instance's recording (``<stem>.json`` + ``<stem>.npz``)."""
    key = case_key(function, seed, shape)
    safe = "".join(ch if ch.isalnum() or ch in "._=-" else "_" for ch in key)
    return f"{chapter}__{safe}"


def _describe(value) -> tuple[str, np.ndarray | None]:
    """How an output is recorded: its kind and, if it is numeric, a plain array copy.

    The kind keeps what ``check_array`` looks at before the values (None, an ndarray
    subclass, a non-numeric object), so the outside judge can give the same message.
    ``type()`` is used, not ``isinstance``: an object can fake its ``__class__``.
    """
    kind = type(value)
    if value is None:
        return "none:NoneType", None
    if kind is np.ndarray:
        return "ndarray:ndarray", np.array(value, copy=True)
    if issubclass(kind, np.ndarray):
        return f"subclass:{kind.__name__}", np.array(np.ndarray.view(value, np.ndarray))
    if kind in (int, float, bool, complex):
        return f"python:{kind.__name__}", np.asarray(value)
    if issubclass(kind, np.generic) and kind.__module__ == "numpy":
        return f"numpy:{kind.__name__}", np.asarray(value)
    return f"object:{kind.__name__}", None


def _record(chapter: str, function: str, seed: int, shape: dict, got: dict | None,
            error: str | None = None, mutated: list | None = None) -> None:
    """Write one case instance's outputs (or the error it raised) for the outside judge."""
    out_dir = os.environ.get(RECORD_ENV)
    if not out_dir:
        return
    stem = str(Path(out_dir) / record_name(chapter, function, seed, shape))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    kinds, arrays = {}, {}
    if isinstance(got, dict):
        for name, value in got.items():
            kinds[str(name)], array = _describe(value)
            if array is not None and array.dtype != object:
                arrays[str(name)] = array
    elif error is None:
        error = f"the case returned {type(got).__name__}, not its outputs"
    np.savez(stem + ".npz", **arrays)
    meta = {"chapter": chapter, "function": function, "seed": seed, "shape": shape,
            "status": "error" if error else "ok", "error": error, "kinds": kinds,
            "mutated": sorted(set(mutated or []))}
    Path(stem + ".json").write_text(json.dumps(meta, default=str))


def _array_arguments(fn, args, kwargs) -> list[tuple[str, np.ndarray]]:
    """(parameter name, array) for every ndarray argument of a call."""
    import inspect
    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    found = [(names[i] if i < len(names) else f"argument {i + 1}", a)
             for i, a in enumerate(args) if type(a) is np.ndarray]
    found += [(k, v) for k, v in kwargs.items() if type(v) is np.ndarray]
    return found


class RecordingImpl(_cases.Impl):
    """The learner's namespace, noting which input arrays each call changed in place.

    Only the calls the case makes are watched (not calls between learner functions).
    ``mutated`` lists ``"function:parameter"``; the judge compares it with what the
    reference does on the same inputs, so in-place updates by design stay allowed.
    """

    def __init__(self, namespace: Mapping[str, object], where: str = "your notebook",
                 chapter: str | None = None):
        super().__init__(namespace, where, chapter=chapter)
        self.mutated: list[str] = []

    def __getattr__(self, name: str):
        fn = super().__getattr__(name)
        if not callable(fn):
            return fn

        def watched(*args, **kwargs):
            before = [(p, a, a.copy()) for p, a in _array_arguments(fn, args, kwargs)]
            try:
                return fn(*args, **kwargs)
            finally:
                for param, array, copy in before:
                    if not _same(array, copy):
                        self.mutated.append(f"{name}:{param}")
        return watched


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    try:
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    except TypeError:
        return bool(np.array_equal(a, b))


def _check_recorded(chapter: str, function: str, case, namespace, seeds, shape) -> None:
    """Record mode: run every case instance, write what happened, judge nothing."""
    full = {**case.defaults, **shape}
    errors = 0
    for seed in seeds:
        impl = RecordingImpl(namespace)
        try:
            got = case(impl, seed, **shape)
        except BaseException as exc:  # noqa: BLE001 -- SystemExit, KeyboardInterrupt too
            errors += 1
            if isinstance(exc, CheckFailure):
                message = str(exc)
            elif isinstance(exc, NotImplementedError):
                message = str(not_implemented(function, exc))
            else:
                message = crash_message(function, exc, f"case seed={seed}")
            _record(chapter, function, seed, full, None, error=message,
                    mutated=impl.mutated)
            continue
        _record(chapter, function, seed, full, got, mutated=impl.mutated)
    n = len(seeds)
    print(f"{function}: {n} case{'s' if n > 1 else ''} recorded for grading"
          + (f" ({errors} raised an error)" if errors else ""))


def _outside_libraries(filename: str) -> bool:
    """True for a frame of the learner's code (a notebook cell or a file of theirs)."""
    import sysconfig
    libraries = {sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib", "purelib",
                                                     "platlib")}
    return not filename.startswith("<frozen") \
        and not any(filename.startswith(str(Path(lib))) for lib in libraries) \
        and not filename.startswith(str(Path(__file__).resolve().parent))


def crash_message(function: str, exc: BaseException, context: str) -> str:
    """What a learner is told when a case crashed: where in their code, or, when the
    kit itself failed on what their function returned, that (not "your code raised")."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    kit = str(Path(__file__).resolve().parent)
    if frames and frames[-1].filename.startswith(kit):
        return (f"{function} returned something the check could not use "
                f"({type(exc).__name__}: {exc}). Return what its docstring says, in "
                f"that order ({context}).")
    mine = [f for f in frames if _outside_libraries(f.filename)]
    where = ""
    if mine:
        line = (mine[-1].line or "").strip()
        where = f" at line {mine[-1].lineno} of {mine[-1].name}" + (f": `{line}`" if line else "")
    return f"{function} raised {type(exc).__name__}: {exc}{where} ({context})."


def not_implemented(function: str, exc: NotImplementedError) -> NotImplementedYet:
    """The one-line message of a part whose stub still raises NotImplementedError."""
    import traceback
    frames = traceback.extract_tb(exc.__traceback__)
    where = frames[-1].name if frames else function
    if where in ("<module>", function) or where.startswith("_"):
        return NotImplementedYet(f"{function} is not implemented yet: replace its stub.")
    # one line, so that every front end shows it whole (see checks.LINE_WIDTH)
    for message in (f"{function} calls {where}, which is not implemented yet: write that first.",
                    f"{function} calls {where}, which is not implemented yet.",
                    f"{function}: {where} is not implemented yet."):
        if len(message) <= LINE_WIDTH:
            break
    return NotImplementedYet(message)


def _run_learner(function: str, context: str, call):
    """``call()``, with the learner's crashes turned into the kit's messages: a stub
    that is not written yet, or where their code raised (or the kit could not use it)."""
    try:
        return call()
    except CheckFailure:
        raise
    except NotImplementedError as exc:
        raise not_implemented(function, exc) from None
    except Exception as exc:  # learner code crashed: say where, keep the type
        raise CheckFailure(crash_message(function, exc, context)) from None


def check(name: str, namespace: Mapping[str, object], *, seeds=(0,), **shape) -> None:
    """Run the case ``name`` ("chapter.function") for every seed; raise on failure."""
    chapter, function = name.split(".", 1)
    case = _cases.get(chapter, function)
    if os.environ.get(RECORD_ENV):
        return _check_recorded(chapter, function, case, namespace, seeds, shape)
    full = {**case.defaults, **shape}
    summaries = []
    for seed in seeds:
        impl = RecordingImpl(namespace, chapter=chapter)  # notes inputs changed in place
        got = _run_learner(function, f"case seed={seed}, shape {full}",
                           lambda: case(impl, seed, **shape))
        expected, ref_mutated = expected_case(chapter, function, seed, shape)
        mutated = [m for m in impl.mutated if m not in ref_mutated]
        try:
            if mutated:
                raise CheckFailure(mutation_message(mutated))
            judged = case.compare(got, expected, judge_override(chapter, function))
        except CheckFailure as failure:
            raise CheckFailure(f"{failure}\n(case seed={seed}, shape {full})") from None
        if case.summary is not None:
            summaries.append(case.summary(judged))
    shown = ", ".join(f"{k}={v}" for k, v in full.items())
    print(f"{function}: passed ({len(seeds)} case{'s' if len(seeds) > 1 else ''}; {shown})"
          + "".join(f"\n  {line}." for line in summaries))


def gradcheck(name: str, namespace: Mapping[str, object], *, seed: int = 0,
              **shape) -> None:
    """Check a learner's backward pass against centred finite differences of the
    learner's own forward pass (float64, random upstream gradients):
    ``gradcheck("ch02.rnn_backward", globals())``.

    The checks themselves live beside the chapter's cases, in the ``_GRADIENT_CHECKS``
    table of ``rnnkit/cases/chNN.py`` (function name -> ``check(impl, rng, **shape)``
    returning ``{gradient name: relative error}``). Raises :class:`CheckFailure` naming
    every gradient that disagrees; returns nothing, so a test cell ending with it shows
    no value.
    """
    import importlib
    chapter, function = name.split(".", 1)
    table = getattr(importlib.import_module(f"rnnkit.cases.{chapter}"),
                    "_GRADIENT_CHECKS", {})
    if function not in table:
        raise KeyError(f"No gradient check for {name}.")
    impl = _cases.Impl(namespace, chapter=chapter)
    errors = _run_learner(function, f"gradient check seed={seed}, shape {shape}",
                          lambda: table[function](impl, np.random.default_rng(seed), **shape))
    worst = max(errors.values()) if errors else 0.0
    print(f"{function}: gradients agree with finite differences "
          f"(largest relative error {worst:.1e})")
