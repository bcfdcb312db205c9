"""Write the expected outputs of the visible self-checks, computed by the reference.

Visible self-checks call ``check("chNN.function", globals())`` with the case's default
shape and seed 0. Their expected outputs (and which inputs the reference changes in
place, under ``__mutated__``) ship in ``kit/rnnkit/fixture_data/chNN.npz`` so
that a learner without the solutions can self-check; every value in them is produced
here, from the reference in ``solutions/``. Beside them: the outputs of the catalogued
mistakes (``autograder/mistakes/``) on the same inputs, with the words that name them,
so that a visible check names a learner's likely mistake without shipping its code. ``make fixtures`` rewrites them and a test
checks they are in sync.

    python -m autograder.fixtures [chapter ...]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from autograder import mistakes, provide
from autograder.instructor import reference_run
from rnnkit import cases
from rnnkit.course import CHAPTERS
from rnnkit.expected import FIXTURES, MISTAKE_PREFIX, MISTAKES_KEY, MUTATED_KEY, case_key


def fixture_arrays(chapter: str) -> dict[str, np.ndarray]:
    """All visible expected outputs of one chapter, keyed ``case_key|output``."""
    arrays = {}
    for case in cases.all_cases(chapter):
        if case.key_hidden:  # a question's expected output is its answer key: never shipped
            continue
        outputs, mutated = reference_run(chapter, case.function, 0)
        key = case_key(case.function, 0, case.defaults)
        for name, value in outputs.items():
            arrays[f"{key}|{name}"] = np.asarray(value)
        # which inputs the reference itself changes in place (allowed for the learner)
        arrays[f"{key}|{MUTATED_KEY}"] = np.array(sorted(mutated), dtype=str)
        # the catalogued mistakes' outputs on the same inputs, and their words
        listed = []
        for name, says, wrong, how in mistakes.runs(chapter, case.function, 0):
            listed.append(json.dumps([name, says, how]))
            for output, value in wrong.items():
                arrays[f"{key}|{MISTAKE_PREFIX}{name}|{output}"] = np.asarray(value)
        arrays[f"{key}|{MISTAKES_KEY}"] = np.array(listed, dtype=str)
    return arrays


def main(argv: list[str]) -> None:
    FIXTURES.mkdir(exist_ok=True)
    for chapter in argv or CHAPTERS:
        provide.update(chapter)  # first: the provided code is part of the reference
        path = FIXTURES / f"{chapter}.npz"
        np.savez_compressed(path, **fixture_arrays(chapter))
        print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
