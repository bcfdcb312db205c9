"""``check``: the one call that visible self-checks and hidden tests make.

``check("ch01.rnn_forward", globals(), seeds=[3], N=1, T=5)`` runs the case on the
learner's functions and on the reference with the same inputs and raises a
:class:`~autograder.checks.CheckFailure` that says what is wrong.

Expected outputs come from the shipped fixtures when the case is a visible one (so a
learner without the solutions can self-check) and from the reference implementation in
``solutions/`` otherwise (hidden tests, at grading time).

When ``RNNCOURSE_RECORD_DIR`` is set (the sandboxed grading pipeline), the learner's
outputs are also written there, so a clean process outside the learner's kernel can
compare them with the reference and decide the grade itself.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Mapping

import numpy as np

from autograder import cases as _cases
from autograder.checks import CheckFailure

FIXTURES = Path(__file__).resolve().parent / "fixture_data"


def case_key(function: str, seed: int, shape: Mapping[str, object]) -> str:
    """Stable name of one case instance, used in fixtures and recordings."""
    parts = ",".join(f"{k}={shape[k]}" for k in sorted(shape))
    return f"{function}|seed={seed}|{parts}"


def _fixture(chapter: str, key: str) -> dict | None:
    path = FIXTURES / f"{chapter}.npz"
    if not path.exists():
        return None
    with np.load(path, allow_pickle=False) as data:
        prefix = key + "|"
        found = {k[len(prefix):]: data[k] for k in data.files if k.startswith(prefix)}
    return found or None


def expected_outputs(chapter: str, function: str, seed: int, shape: dict) -> dict:
    """Reference outputs for one case instance: fixture if shipped, else computed."""
    case = _cases.get(chapter, function)
    full = {**case.defaults, **shape}
    found = _fixture(chapter, case_key(function, seed, full))
    if found is not None:
        return found
    from autograder import reference
    return case(reference.load(chapter), seed, **shape)


def _record(chapter: str, function: str, seed: int, shape: dict, got: dict) -> None:
    out_dir = os.environ.get("RNNCOURSE_RECORD_DIR")
    if not out_dir:
        return
    safe = {k: np.asarray(v) for k, v in got.items()
            if isinstance(v, (np.ndarray, np.generic, int, float, bool))}
    key = case_key(function, seed, shape).replace("|", "__").replace(",", "_")
    path = Path(out_dir) / f"{chapter}__{key}.npz"
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, **{k: v for k, v in safe.items() if v.dtype != object})
    meta = {"chapter": chapter, "function": function, "seed": seed, "shape": shape}
    path.with_suffix(".json").write_text(json.dumps(meta))


def check(name: str, namespace: Mapping[str, object], *, seeds=(0,), **shape) -> None:
    """Run the case ``name`` ("chapter.function") for every seed; raise on failure."""
    chapter, function = name.split(".", 1)
    case = _cases.get(chapter, function)
    impl = _cases.Impl(namespace)
    full = {**case.defaults, **shape}
    for seed in seeds:
        try:
            got = case(impl, seed, **shape)
        except (CheckFailure, NotImplementedError):
            raise
        except Exception as exc:  # learner code crashed: say where, keep the type
            raise CheckFailure(f"{function} raised {type(exc).__name__}: {exc} "
                               f"(case seed={seed}, shape {full}).") from exc
        _record(chapter, function, seed, full, got)
        expected = expected_outputs(chapter, function, seed, shape)
        try:
            case.compare(got, expected)
        except CheckFailure as failure:
            raise CheckFailure(f"{failure}\n(case seed={seed}, shape {full})") from None
    shown = ", ".join(f"{k}={v}" for k, v in full.items())
    print(f"{function}: passed ({len(seeds)} case{'s' if len(seeds) > 1 else ''}; {shown})")
