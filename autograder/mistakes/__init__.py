"""The catalogue of likely mistakes, per graded function (instructor side: never shipped).

A catalogued mistake is a wrong implementation of a graded function, written from the
reference: ``make(ref)`` receives the chapter's reference module (``autograder.reference``)
and returns the functions that the mistake replaces, ``{name: function}``. Running the
function's case on the reference namespace with those replacements gives the mistake's
outputs on exactly the inputs the learner's code saw. When a learner's outputs fail a
check, ``Case.compare`` compares them with each mistake's outputs, in catalogue order,
and the first that matches is named in the message: its ``says``, which names the
mistake and what to change.

- Visible self-checks: the mistakes' outputs on the visible inputs are computed here and
  shipped in the kit's fixtures (``autograder/fixtures.py``), with their words; their code
  stays here.
- Hidden tests: the judge (and ``check`` on the instructor's machine) computes them on the
  hidden inputs, through ``autograder.instructor.mistake_runs``, only for outputs that are
  already wrong.

The catalogues are ``autograder/mistakes/chNN.py``. ``tests/test_mistakes.py`` holds them
to the mistake corpus (``tests/mutants/``: learner-written wrong implementations with the
words their messages must contain) and checks that no mistake is indistinguishable from
the reference.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib
import types
from typing import Callable, Mapping

from rnnkit import cases as _cases


@dataclasses.dataclass(frozen=True)
class Mistake:
    chapter: str
    function: str      # the graded function whose check it diagnoses
    name: str          # short identifier, unique per function
    says: str          # what the learner is told: the mistake, and what to change
    make: Callable[[types.ModuleType], dict]
    how: str = "values"  # how a learner's outputs match it: see rnnkit Case.matches


_CATALOGUE: dict[tuple[str, str], list[Mistake]] = {}


def mistake(chapter: str, function: str, name: str, says: str, how: str = "values"):
    """Decorator registering ``make(ref) -> {name: replacement function}``; ``how`` says
    how a learner's outputs match it: "values" (the case's own comparison, its judge
    included), "exact" or "exact:a,b" (all, or the listed, outputs compared directly at
    the case's tolerances, past a judge that would reject the learner's outputs on
    their own, e.g. for a quality bar), or "shape" (for a mistake that shows in the
    shapes, whatever the values, such as a wrong number of columns)."""
    if how not in ("values", "shape", "exact") and not how.startswith("exact:"):
        raise ValueError(f"how must be 'values', 'shape', 'exact' or 'exact:<outputs>', "
                         f"not {how!r}")

    def wrap(make):
        entries = _CATALOGUE.setdefault((chapter, function), [])
        if any(m.name == name for m in entries):
            raise ValueError(f"mistake {chapter}.{function}/{name} is catalogued twice")
        entries.append(Mistake(chapter, function, name, says, make, how))
        return make
    return wrap


def catalogue(chapter: str, function: str | None = None) -> list[Mistake]:
    """The catalogued mistakes of a chapter (of one function, if given), in order."""
    try:
        importlib.import_module(f"autograder.mistakes.{chapter}")
    except ModuleNotFoundError as exc:
        if exc.name != f"autograder.mistakes.{chapter}":
            raise
        return []
    return [m for (ch, fn), entries in _CATALOGUE.items() if ch == chapter
            and (function is None or fn == function) for m in entries]


def rebind(fn: types.FunctionType, **names) -> types.FunctionType:
    """A copy of ``fn`` that sees ``names`` in place of its globals: a reference function
    made to call a wrong helper (e.g. the reference ``rnn_forward`` over a wrong step)."""
    scope = {**fn.__globals__, **names}
    copy = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__,
                              fn.__closure__)
    copy.__kwdefaults__ = fn.__kwdefaults__
    return copy


def outputs_of(m: Mistake, seed: int = 0, shape: Mapping[str, object] | None = None
               ) -> dict:
    """The mistake's outputs on one case instance's inputs; {} if the mistake cannot
    run on them (then it cannot match)."""
    from autograder import reference
    ref = reference.load(m.chapter)
    namespace = {**vars(ref), **m.make(ref)}
    case = _cases.get(m.chapter, m.function)
    try:
        return case(_cases.Impl(namespace, where="a catalogued mistake"), seed,
                    **dict(shape or {}))
    except Exception:  # noqa: BLE001 -- a mistake that crashes here has no outputs
        return {}


@functools.lru_cache(maxsize=4096)
def _runs(chapter: str, function: str, seed: int, shape: tuple, solutions: str) -> tuple:
    # ``solutions`` is only the cache's key: outputs_of loads the reference from the
    # folder in force, so another course's references are never served from here.
    return tuple((m.name, m.says, outputs_of(m, seed, dict(shape)), m.how)
                 for m in catalogue(chapter, function))


def runs(chapter: str, function: str, seed: int = 0,
         shape: Mapping[str, object] | None = None) -> list[tuple[str, str, dict, str]]:
    """``(name, says, outputs, how)`` of every mistake of ``function`` on one instance."""
    from autograder import reference
    return list(_runs(chapter, function, int(seed), tuple(sorted((shape or {}).items())),
                      str(reference.solutions_dir().resolve())))
