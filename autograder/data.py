"""Data the course's exercises and book pages use, generated in code or shipped small in
``autograder/corpora/`` (nothing is downloaded at run time)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

CORPORA = Path(__file__).resolve().parent / "corpora"


def adding_problem(n: int, T: int, rng: np.random.Generator):
    """The adding problem (Hochreiter & Schmidhuber 1997), a long-range synthetic task.

    Each sequence has T steps of two features: a random value in [0, 1) and a marker
    that is 1 at exactly two steps, one in the first half and one in the second half.
    The target is the sum of the two marked values. Predicting the mean (1.0) gives a
    mean squared error of about 1/6 (0.167); a model that solves the task gets far below.

    Returns:
    - x: inputs of shape (n, T, 2)
    - y: targets of shape (n,)
    """
    values = rng.random((n, T))
    marks = np.zeros((n, T))
    half = max(T // 2, 1)
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n) if T > 1 else first
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    x = np.stack([values, marks], axis=-1)  # (n, T, 2)
    y = (values * marks).sum(axis=1)        # (n,)
    return x, y


def load_corpus(name: str) -> str:
    """Text of a corpus shipped in autograder/corpora/ (UTF-8)."""
    path = CORPORA / name
    if not path.exists():
        available = sorted(p.name for p in CORPORA.glob("*")) if CORPORA.exists() else []
        raise FileNotFoundError(f"No corpus {name!r}; shipped corpora: {available}")
    return path.read_text(encoding="utf-8")
