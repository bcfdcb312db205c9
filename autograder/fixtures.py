"""Write the expected outputs of the visible self-checks, computed by the reference.

Visible self-checks call ``check("chNN.function", globals())`` with the case's default
shape and seed 0. Their expected outputs (and which inputs the reference changes in
place, under ``__mutated__``) ship in ``autograder/fixture_data/chNN.npz`` so
that a learner without the solutions can self-check; every value in them is produced
here, from the reference in ``solutions/``. ``make fixtures`` rewrites them and a test
checks they are in sync.

    python -m autograder.fixtures [chapter ...]
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np

from autograder import cases, reference
from autograder.grading import FIXTURES, MUTATED_KEY, case_key, reference_run


def chapters() -> list[str]:
    here = Path(cases.__file__).parent
    return sorted(p.stem for p in here.glob("ch*.py"))


def fixture_arrays(chapter: str) -> dict[str, np.ndarray]:
    """All visible expected outputs of one chapter, keyed ``case_key|output``."""
    arrays = {}
    for case in cases.all_cases(chapter):
        outputs, mutated = reference_run(chapter, case.function, 0)
        key = case_key(case.function, 0, case.defaults)
        for name, value in outputs.items():
            arrays[f"{key}|{name}"] = np.asarray(value)
        # which inputs the reference itself changes in place (allowed for the learner)
        arrays[f"{key}|{MUTATED_KEY}"] = np.array(sorted(mutated), dtype=str)
    return arrays


def serialise(arrays: dict[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


PROVIDED = Path(__file__).resolve().parent / "provided"


def provided_source(chapter: str) -> str:
    """The generated module text of ``autograder/provided/<chapter>.py``."""
    header = (f'"""Reference code of {chapter}, generated from solutions/{chapter}/'
              f'{chapter}.ipynb\nby `make fixtures`. Do not edit: edit the notebook."""\n')
    return header + reference.reference_source(chapter)


def main(argv: list[str]) -> None:
    FIXTURES.mkdir(exist_ok=True)
    for chapter in argv or chapters():
        path = FIXTURES / f"{chapter}.npz"
        np.savez_compressed(path, **fixture_arrays(chapter))
        (PROVIDED / f"{chapter}.py").write_text(provided_source(chapter))
        print(f"wrote {path} and {PROVIDED / (chapter + '.py')}")


if __name__ == "__main__":
    main(sys.argv[1:])
