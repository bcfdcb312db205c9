"""Every chapter through the sandboxed grading pipeline (``python -m autograder.grade``),
not only chapter 1: the solution scores full marks, the untouched release scores zero,
and one wrong implementation of every graded function loses that function's points,
with nothing flagged as tampering. This covers what differs per chapter inside the
sandbox: earlier chapters' reference modules importable, this chapter's withheld, and
training checks judged outside on the recorded parameters.
"""
from __future__ import annotations


import pytest

from course import CHAPTERS, Course, grade_with_pipeline, mutant_source, mutants

pytestmark = pytest.mark.slow

_GRADED: dict[str, dict] = {}


def graded(chapter: str, tmp_path_factory) -> dict:
    if chapter not in _GRADED:
        root = tmp_path_factory.mktemp(f"pipeline-{chapter}")
        course = Course(root / "course", [chapter])
        course.copy_release(chapter)
        submissions = root / "submissions"
        notebooks = {"solution": course.filled(chapter), "release": course.release(chapter)}
        wrong = {}
        for function, name, path in mutants(chapter):
            if function not in wrong.values():  # the first wrong version of each function
                student = f"wrong-{function}".replace("_", "-")
                wrong[student] = function
                wrong_source = mutant_source(chapter, function, path)
                notebooks[student] = course.filled(chapter, {function: wrong_source})
        proc, verdicts = grade_with_pipeline(course, chapter, notebooks, submissions)
        _GRADED[chapter] = {"proc": proc, "verdicts": verdicts, "wrong": wrong,
                            "scores": course.scores(chapter) if proc.returncode == 0 else {},
                            "maxima": course.max_scores(chapter) if proc.returncode == 0
                            else {}}
    return _GRADED[chapter]


def _reasons(verdict: dict) -> str:
    return "\n".join(f"{cell}: {c['score']} {c.get('reason', '')[:300]}"
                     for cell, c in verdict["cells"].items())


@pytest.mark.parametrize("chapter", [pytest.param(ch, marks=pytest.mark.xdist_group(
    f"pipeline-{ch}")) for ch in CHAPTERS])
def test_pipeline_grades_the_chapter(chapter, tmp_path_factory):
    result = graded(chapter, tmp_path_factory)
    proc = result["proc"]
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    verdicts, scores, maxima = result["verdicts"], result["scores"], result["maxima"]
    assert set(verdicts) == {"solution", "release", *result["wrong"]}
    for student, verdict in verdicts.items():
        assert verdict["status"] == "graded" and not verdict["tampering"], (student, verdict)

    assert scores["solution"] == maxima, _reasons(verdicts["solution"])
    assert set(scores["release"]) == set(maxima)
    assert all(v == 0 for v in scores["release"].values()), _reasons(verdicts["release"])
    survivors = [function for student, function in result["wrong"].items()
                 if scores[student][f"test_{function}"] >= maxima[f"test_{function}"]]
    assert not survivors, f"{chapter}: wrong versions kept full marks in: {survivors}"
    # the learner is told why, in the verdict the feedback is made from
    for student, function in result["wrong"].items():
        reason = verdicts[student]["cells"][f"test_{function}"]["reason"]
        assert reason and "tampered" not in reason, (student, reason)
