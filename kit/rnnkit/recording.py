"""Record mode, and the calls ``check`` watches.

When ``RNNCOURSE_RECORD_DIR`` (:data:`RECORD_ENV`) is set (the sandboxed grading
pipeline in ``autograder/pipeline/``), ``check`` compares nothing and never raises:
:func:`check_recorded` runs every case instance and writes what the learner's code
produced (outputs in the format of :mod:`rnnkit.record_format`, or the exception it
raised, and which input arrays it changed in place) for the outside judge.

:class:`RecordingImpl` is the learner's namespace as a case sees it, noting which input
arrays each call changed in place (:data:`IN_PLACE_RULE`), in record mode and out of it.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from rnnkit import cases as _cases
from rnnkit.attribution import crash_message, not_implemented
from rnnkit.checks import CheckFailure
from rnnkit.expected import case_key
from rnnkit.i18n import _, N_
from rnnkit.record_format import MAX_TEXT, OutputEncoder


# The rule on inputs changed in place, as the checks enforce it: every notebook states
# it in these words too (its generated rule cell, ``autograder/provide.py``).
IN_PLACE_RULE = N_("Compute into new arrays (e.g. `x = x - m`, not `x -= m`): callers keep "
                    "using their inputs.")


def mutation_message(mutated: list[str]) -> str:
    """What a learner is told when their function changed one of its inputs in place."""
    func, _sep, param = str(mutated[0]).partition(":")
    return _("{func} changed its input `{param}` in place.").format(func=func, param=param) \
        + " " + _(IN_PLACE_RULE)


RECORD_ENV = "RNNCOURSE_RECORD_DIR"


def record_name(chapter: str, function: str, seed: int, shape: Mapping[str, object]) -> str:
    """File stem of one case instance's recording (``<stem>.json`` + ``<stem>.npz``)."""
    key = case_key(function, seed, shape)
    safe = "".join(ch if ch.isalnum() or ch in "._=-" else "_" for ch in key)
    return f"{chapter}__{safe}"


def _record(chapter: str, function: str, seed: int, shape: dict, got: dict | None,
            error: str | None = None, mutated: list | None = None) -> None:
    """Write one case instance's outputs (or the error it raised) for the outside judge."""
    out_dir = os.environ.get(RECORD_ENV)
    if not out_dir:
        return
    stem = str(Path(out_dir) / record_name(chapter, function, seed, shape))
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    encoder = OutputEncoder()
    kinds = {}
    if isinstance(got, dict):
        kinds = {str(name): encoder.output(value) for name, value in got.items()}
    elif error is None:
        error = _("the case returned {kind}, not its outputs").format(
            kind=type(got).__name__)
    np.savez(stem + ".npz", allow_pickle=False, **encoder.arrays())
    meta = {"chapter": chapter, "function": function, "seed": seed, "shape": shape,
            "status": "error" if error else "ok",
            "error": error[:MAX_TEXT] if error else error, "kinds": kinds,
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

    def __init__(self, namespace: Mapping[str, object], where: str = N_("your notebook"),
                 chapter: str | None = None):
        super().__init__(namespace, where, chapter=chapter)
        self.mutated: list[str] = []
        # (name, function, value) of the last learner call that returned: when the kit
        # then fails on that value, the message says what it was (crash_message)
        self.last_return: tuple[str, object, object] | None = None
        # whether the case has looked anything up in the learner's namespace yet: a
        # case that fails before that failed on its own (a bug in the course)
        self.used = False

    def __getattr__(self, name: str):
        self.used = True
        fn = super().__getattr__(name)
        if not callable(fn):
            return fn

        def watched(*args, **kwargs):
            before = [(p, a, a.copy()) for p, a in _array_arguments(fn, args, kwargs)]
            try:
                value = fn(*args, **kwargs)
                self.last_return = (name, fn, value)
                return value
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


def check_recorded(chapter: str, function: str, case, namespace, seeds, shape) -> None:
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
                message = crash_message(function, exc,
                                        _("case seed={seed}").format(seed=seed),
                                        impl.last_return)
            _record(chapter, function, seed, full, None, error=message,
                    mutated=impl.mutated)
            continue
        _record(chapter, function, seed, full, got, mutated=impl.mutated)
    n = len(seeds)
    recorded = _("{function}: {n} cases recorded for grading") if n > 1 else \
        _("{function}: {n} case recorded for grading")
    print(recorded.format(function=function, n=n)
          + (_(" ({errors} raised an error)").format(errors=errors) if errors else ""))
