"""Where ``check`` gets the expected outputs of a case instance: the kit's shipped
fixtures (``fixture_data/chNN.npz``: the visible cases, with the catalogued mistakes'
outputs on their inputs), else the instructor's side (:func:`instructor`, found through
the ``rnnkit.instructor`` entry point; never installed in a learner's environment).
A case with neither is a hidden test: :class:`HiddenCase`.
"""
from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Mapping

import numpy as np

from rnnkit import cases as _cases
from rnnkit.i18n import _

FIXTURES = Path(__file__).resolve().parent / "fixture_data"


def case_key(function: str, seed: int, shape: Mapping[str, object]) -> str:
    """Stable name of one case instance, used in fixtures and recordings."""
    parts = ",".join(f"{k}={shape[k]}" for k in sorted(shape))
    return f"{function}|seed={seed}|{parts}"


# Fixture entry listing the inputs the reference changes in place ("function:param").
MUTATED_KEY = "__mutated__"
# Fixture entries of the catalogued mistakes (autograder/mistakes/): MISTAKES_KEY lists
# them in order as JSON ``[name, says, how]``; ``~<name>|<output>`` holds each one's outputs
# on the case's inputs. Only outputs and words ship: never a mistake's code.
MISTAKES_KEY = "__mistakes__"
MISTAKE_PREFIX = "~"


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
        return {k: v for k, v in found.items()
                if k != MISTAKES_KEY and not k.startswith(MISTAKE_PREFIX)}, mutated
    side = instructor()
    if side is None:
        raise HiddenCase(_(
            "{function}: the expected outputs of this case (seed={seed}, shape {shape}) "
            "are not shipped with the kit: it is one of the hidden tests, run when your "
            "notebook is graded. Your visible self-checks are the cells that call "
            'check("{chapter}.{function}", globals()) without seeds.').format(
                function=function, seed=seed, shape=shape, chapter=chapter))
    return side.reference_run(chapter, function, seed, shape)


def mistake_outputs(chapter: str, function: str, seed: int,
                    shape: Mapping[str, object]) -> list[tuple[str, str, dict, str]]:
    """``(name, says, outputs, how)`` of every catalogued mistake of ``function`` on one case
    instance's inputs: from the shipped fixture for a visible case, else from the
    instructor's side (computed on the hidden inputs), else none."""
    case = _cases.get(chapter, function)
    found = _fixture(chapter, case_key(function, seed, {**case.defaults, **shape}))
    if found is not None and MISTAKES_KEY in found:
        out = []
        for entry in found[MISTAKES_KEY]:
            name, says, how = json.loads(str(entry))
            prefix = f"{MISTAKE_PREFIX}{name}|"
            out.append((name, says, {k[len(prefix):]: v for k, v in found.items()
                                     if k.startswith(prefix)}, how))
        return out
    side = instructor()
    runs = getattr(side, "mistake_runs", None) if side is not None else None
    return list(runs(chapter, function, seed, shape)) if runs is not None else []


def judge_override(chapter: str, function: str):
    """The instructor's judge for a case, where it has one (e.g. a training case whose
    trained parameters are evaluated with the reference code), else None."""
    side = instructor()
    return side.judge_for(chapter, function) if side is not None else None
