"""The course manifest: the chapters, and the naming rules that tie grade ids, graded
functions and test cells together. The Makefile, fixtures, sandbox, collection,
benchmarks and tests read it from here.

    python -m rnnkit.course chapters     # prints the chapter ids, one per line
"""
from __future__ import annotations

import sys

# Every chapter with an exercise notebook, in order. Notebook: <chapter>/<chapter>.ipynb.
CHAPTERS: tuple[str, ...] = ("ch01", "ch02", "ch03", "ch04", "ch05", "ch06", "ch07", "ch08")

TEST_PREFIX = "test_"
# A conceptual question's grade id (answer cell) and case name: quiz_<name>; its answer
# variable is answer_<name> (rnnkit.questions).
QUIZ_PREFIX = "quiz_"
# The grade id of a chapter's written answer, graded by hand in formgrader.
WRITTEN_PREFIX = "written_"


def written_id(chapter: str) -> str:
    return WRITTEN_PREFIX + chapter


def notebook_name(chapter: str) -> str:
    return f"{chapter}.ipynb"


def test_id(function: str) -> str:
    """Grade id of the test cell of a graded function (its answer cell's id is the
    function's name)."""
    return TEST_PREFIX + function


def function_of(test_grade_id: str) -> str:
    """The graded function a test cell's grade id belongs to."""
    if not test_grade_id.startswith(TEST_PREFIX):
        raise ValueError(f"{test_grade_id!r} is not a test cell's grade id")
    return test_grade_id[len(TEST_PREFIX):]


def chapter_number(chapter: str) -> int:
    return int(chapter[2:])


if __name__ == "__main__":
    if sys.argv[1:] == ["chapters"]:
        print("\n".join(CHAPTERS))
    else:
        sys.exit("usage: python -m rnnkit.course chapters")
