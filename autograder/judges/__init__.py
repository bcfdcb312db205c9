"""Instructor-only judges, one module per chapter (``chNN.py`` with a ``JUDGES`` dict:
function name -> ``judge(got, expected)``).

A judge belongs here, not in the kit's cases, when it holds code that could pass a
learner's check or that is a chapter's reference: an independent implementation (the
gate-by-gate LSTM), or an evaluation of trained parameters with the reference forward
pass. The kit's case keeps a judge of its own for the visible self-check, which uses
only what the learner's notebook computed; this one replaces it at grading time.
"""

from __future__ import annotations

import numpy as np


class ReferenceDisagrees(AssertionError):
    """The course's reference and an independent formulation of the same function give
    different results: a bug in the course, never the learner's failure. It is not a
    ``CheckFailure``, so the outside judge reports it as a grader error and the kit's
    ``check`` as a broken self-check."""


def agree_with_independent(function: str, output: str, reference, independent, what: str,
                           *, rtol: float, atol: float) -> None:
    """Raise :class:`ReferenceDisagrees` unless the reference's ``output`` of
    ``function`` equals ``what`` computes (the independent formulation) on the same
    inputs, within the tolerances the learner's check then uses."""
    reference = np.asarray(reference, dtype=np.float64)
    independent = np.asarray(independent, dtype=np.float64)
    if reference.shape != independent.shape or not np.allclose(
            reference, independent, rtol=rtol, atol=atol):
        diff = (float(np.max(np.abs(reference - independent)))
                if reference.shape == independent.shape else float("nan"))
        raise ReferenceDisagrees(
            f"The course's reference {function} disagrees with {what} on {output} "
            f"(largest difference {diff:.1e}, shapes {reference.shape} and "
            f"{independent.shape}).")
