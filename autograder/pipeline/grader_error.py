"""Grader errors: an exception raised inside the course's own grading code.

The reference in ``solutions/``, a case's comparison, an instructor's judge
(``autograder/judges/``) or a mistake catalogue (``autograder/mistakes/``) can have a
bug. What it raises is not the learner's failure: the cell is flagged
``grader-error`` in the verdict (``grader_error`` holds the exception's type, message
and a short traceback, for the instructor only), the learner is told that the grader
failed on this test, no points are given automatically, the gradebook marks the cell
for manual grading, the report lists it first, and ``python -m autograder.grade``
exits with :data:`EXIT_GRADER_ERROR`.
"""
from __future__ import annotations

import traceback

from rnnkit.i18n import N_

EXIT_GRADER_ERROR = 3

# What the learner reads in the feedback of a cell the grader could not judge (in the
# submission's language where it is shown: rnnkit.i18n).
GRADER_FAILED = N_("The grader failed on this test: the course's own grading code raised "
                   "an error, so your answer could not be judged (this is not a failure of "
                   "your code). No points were given automatically; your instructor has "
                   "been told and will grade this part by hand.")

TRACEBACK_FRAMES = 6
TRACEBACK_CHARS = 3000


def describe(where: str, exc: BaseException) -> dict:
    """What the instructor needs to find the bug: where the grader was, the exception's
    type and message, and the last frames of its traceback."""
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__,
                                        limit=-TRACEBACK_FRAMES)
    return {"where": where, "type": type(exc).__name__, "message": str(exc)[:1000],
            "traceback": "".join(frames)[-TRACEBACK_CHARS:]}


class GraderError(Exception):
    """The course's grading code raised (``detail``: see :func:`describe`).

    ``learner_reason``, when set, is a failure of the learner's that was decided
    before the grader failed (a catalogue of mistakes crashed while naming the cause of
    outputs already known to be wrong): the learner keeps that verdict, and the
    instructor still sees the error."""

    def __init__(self, detail: dict, learner_reason: str | None = None):
        super().__init__(detail, learner_reason)
        self.detail = detail
        self.learner_reason = learner_reason

    @classmethod
    def wrap(cls, where: str, exc: BaseException) -> "GraderError":
        return exc if isinstance(exc, GraderError) else cls(describe(where, exc))

    def __str__(self) -> str:
        d = self.detail
        return f"{d['where']}: {d['type']}: {d['message']}"
