"""The instructor's side of the kit's ``check``: reference outputs and judges.

The learner kit (``rnnkit``) never imports this package. It finds this module through
the entry point ``rnnkit.instructor`` that this repository's ``pyproject.toml``
declares, so the same test cells work in three places:

- in a learner's kernel (no instructor side installed): visible cases only, from the
  kit's fixtures; a hidden case says it runs at grading time;
- in plain ``nbgrader autograde`` on the instructor's machine: hidden cases are computed
  here from ``solutions/`` and judged with the judges of ``autograder/judges/``;
- in the sandboxed pipeline: the kernel only records, and the outside judge
  (``autograder.pipeline.judge``) calls the same functions.

``mistake_runs`` gives the outputs of the catalogued mistakes (``autograder/mistakes/``)
on a hidden case's inputs, so a failure there names its likely cause too.
"""
from __future__ import annotations

import importlib
from typing import Callable, Mapping

from rnnkit import cases as _cases
from rnnkit.recording import RecordingImpl


def reference_run(chapter: str, function: str, seed: int = 0,
                  shape: Mapping[str, object] | None = None) -> tuple[dict, set[str]]:
    """Run a case on the reference: (outputs, inputs it changed in place)."""
    from autograder import reference
    case = _cases.get(chapter, function)
    impl = RecordingImpl(vars(reference.load(chapter)), where="the reference")
    outputs = case(impl, seed, **dict(shape or {}))
    return outputs, set(impl.mutated)


def judge_for(chapter: str, function: str) -> Callable[[dict, dict], dict | None] | None:
    """The instructor's judge of a case (``JUDGES`` in ``autograder/judges/chNN.py``),
    where the kit's own judge is not the whole test (it may not hold reference code)."""
    try:
        module = importlib.import_module(f"autograder.judges.{chapter}")
    except ModuleNotFoundError as exc:
        if exc.name != f"autograder.judges.{chapter}":
            raise
        return None
    return getattr(module, "JUDGES", {}).get(function)


def mistake_runs(chapter: str, function: str, seed: int = 0,
                 shape: Mapping[str, object] | None = None
                 ) -> list[tuple[str, str, dict, str]]:
    """The catalogued mistakes of a function run on one case instance's inputs (see
    ``autograder.mistakes``): ``(name, says, outputs, how)``, in catalogue order."""
    from autograder import mistakes
    return mistakes.runs(chapter, function, seed, shape)
