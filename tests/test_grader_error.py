"""Grader errors are named as what they are: an exception in the course's own code (the
reference, a judge, a case's comparison, a catalogue of mistakes) is not the learner's
failure. The outside judge flags the cell ``grader-error`` with the exception for the
instructor, the learner reads that the grader failed, the report lists it first, and
``python -m autograder.grade`` exits with status 3; outputs that are not of the
reference's form stay the learner's failure. In the learner's kernel, ``check`` says the
self-check itself failed."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import nbformat
import numpy as np
import pytest

from autograder import reference
from autograder.pipeline import judge as judge_mod, report
from autograder.pipeline.grader_error import EXIT_GRADER_ERROR, GRADER_FAILED
from autograder.pipeline.judge import Judge, parse_checks
from course import REPO, Course, nbgrader_env
from rnnkit import grading
from rnnkit.attribution import SelfCheckBroken
from rnnkit.checks import CheckFailure
from rnnkit.grading import check


def _record(tmp_path, namespace: dict, call: str):
    folder = tmp_path / "rec"
    os.environ["RNNCOURSE_RECORD_DIR"] = str(folder)
    try:
        exec(call, {"check": check, "ns": namespace})  # record mode: never raises
    finally:
        del os.environ["RNNCOURSE_RECORD_DIR"]
    return folder, parse_checks(call.replace("ns", "globals()"))


def _broken_judge(got, expected):
    raise ZeroDivisionError("a bug in the judge")


def test_a_judge_that_raises_on_well_formed_outputs_is_a_grader_error(tmp_path, monkeypatch):
    ns = dict(vars(reference.load("ch01")))
    folder, insts = _record(tmp_path, ns, 'check("ch01.softmax", ns, seeds=[0, 7])')
    monkeypatch.setattr(judge_mod, "judge_for", lambda chapter, function: _broken_judge)
    verdict = Judge("ch01").judge_cell("test_softmax", 2.0, insts, folder)
    assert (verdict.status, verdict.score, verdict.reason) == ("grader-error", 0.0,
                                                               GRADER_FAILED)
    error = verdict.grader_error
    assert error["type"] == "ZeroDivisionError" and error["message"] == "a bug in the judge"
    assert "_broken_judge" in error["traceback"] and "ch01.softmax" in error["where"]
    assert "ZeroDivisionError" not in verdict.reason  # the learner never sees the bug
    json.dumps(verdict.as_dict())  # goes into verdicts/<student>.json as it is


def test_malformed_learner_outputs_stay_the_learners_failure(tmp_path, monkeypatch):
    """The same raising judge on outputs not of the reference's form (a list of rows
    where the reference gives an array of another shape) blames the outputs."""
    ns = dict(vars(reference.load("ch01")))
    ns["softmax"] = lambda scores: [[0.5, 0.5]]
    folder, insts = _record(tmp_path, ns, 'check("ch01.softmax", ns)')
    monkeypatch.setattr(judge_mod, "judge_for", lambda chapter, function: _broken_judge)
    verdict = Judge("ch01").judge_cell("test_softmax", 2.0, insts, folder)
    assert verdict.status == "failed" and verdict.grader_error is None, verdict
    assert "softmax: probs is a list of 1" in verdict.reason, verdict.reason
    assert "incomplete or malformed" in verdict.reason


def test_a_raising_reference_is_a_grader_error(tmp_path, monkeypatch):
    ns = dict(vars(reference.load("ch01")))
    folder, insts = _record(tmp_path, ns, 'check("ch01.one_hot", ns, seeds=[1])')

    def broken_reference(*args, **kwargs):
        raise KeyError("the reference lost a key")
    monkeypatch.setattr(judge_mod, "reference_run", broken_reference)
    verdict = Judge("ch01").judge_cell("test_one_hot", 1.0, insts, folder)
    assert verdict.status == "grader-error" and verdict.grader_error["type"] == "KeyError"
    assert "the reference of ch01.one_hot" in verdict.grader_error["where"]


def test_a_crashing_catalogue_keeps_the_learners_failure_and_tells_the_instructor(
        tmp_path, monkeypatch):
    ns = dict(vars(reference.load("ch01")))
    ns["softmax"] = lambda scores: np.full_like(scores, 1.0 / scores.shape[-1])
    folder, insts = _record(tmp_path, ns, 'check("ch01.softmax", ns)')

    def broken_catalogue(*args):
        raise IndexError("a bug in the catalogue")
    monkeypatch.setattr(judge_mod, "mistake_runs", broken_catalogue)
    verdict = Judge("ch01").judge_cell("test_softmax", 2.0, insts, folder)
    assert verdict.status == "failed" and "softmax: probs is wrong" in verdict.reason
    assert verdict.grader_error["type"] == "IndexError"


def test_the_kit_says_the_self_check_itself_failed(monkeypatch):
    ns = dict(vars(reference.load("ch01")))

    def broken_fixture(*args):
        raise ValueError("a fixture was saved with the wrong key")
    monkeypatch.setattr(grading, "expected_case", broken_fixture)
    with pytest.raises(SelfCheckBroken) as caught:
        check("ch01.softmax", ns)
    message = str(caught.value)
    assert "the self-check itself failed (a bug in the course, not in your code)" in message
    assert "ValueError: a fixture was saved with the wrong key" in message
    assert "rnnkit" in message and "seed=0" in message and "report" in message
    monkeypatch.undo()
    check("ch01.softmax", ns)  # the same learner code passes once the course is fixed


def test_the_kit_tells_a_broken_case_from_a_broken_function(monkeypatch):
    from rnnkit import cases
    case = cases.get("ch01", "softmax")

    def broken_case(impl, rng, **shape):
        rng.normal(size=shape["missing"])  # the case's own bug: before any learner code
    monkeypatch.setattr(case, "run", broken_case)
    with pytest.raises(SelfCheckBroken, match="the case's own code raised KeyError"):
        check("ch01.softmax", dict(vars(reference.load("ch01"))))
    monkeypatch.undo()

    def crashing(scores):
        raise KeyError("the learner's own bug")
    with pytest.raises(CheckFailure) as caught:
        check("ch01.softmax", {**vars(reference.load("ch01")), "softmax": crashing})
    assert not isinstance(caught.value, SelfCheckBroken)
    assert "softmax raised KeyError" in str(caught.value)


def test_the_report_lists_grader_errors_first_and_escaped(tmp_path):
    out = tmp_path / "r"
    (out / "verdicts").mkdir(parents=True)
    error = {"where": "comparing the outputs of ch01.softmax", "type": "ZeroDivisionError",
             "message": "<b>division</b>", "traceback": "Traceback ...\n  File judges.py"}
    cells = {"test_softmax": {"grade_id": "test_softmax", "points": 2.0, "score": 0.0,
                              "status": "grader-error", "reason": GRADER_FAILED,
                              "grader_error": error}}
    (out / "verdicts" / "ann.json").write_text(json.dumps(
        {"student": "ann", "assignment": "ch01", "status": "graded", "score": 0.0,
         "max_score": 2.0, "cells": cells}))
    text = report.write(tmp_path, "ch01", out).read_text()
    section = text.split("Grader errors (1)")[1].split("</section>")[0]
    assert text.index("Grader errors (1)") < text.index("<h2>Learners")
    assert "ann" in section and "test_softmax" in section and "File judges.py" in section
    assert "&lt;b&gt;division&lt;/b&gt;" in section and "<b>division" not in text


INJECTED = "    raise ZeroDivisionError('a bug injected into the reference')\n"


@pytest.mark.slow
def test_a_bug_in_the_reference_through_the_real_command(tmp_path):
    """A course whose reference of one_hot raises: the honest learner's one_hot cell is
    a grader error (0, marked for manual grading, the learner told the grader failed),
    the report lists it, the command exits 3, and every other cell keeps its points."""
    course = Course(tmp_path / "course", ["ch01"])
    source = course.root / "solutions" / "ch01" / "ch01.ipynb"
    nb = nbformat.read(source, as_version=4)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id")
                == "one_hot")
    assert "    ### BEGIN SOLUTION\n" in cell.source
    cell.source = cell.source.replace("    ### BEGIN SOLUTION\n",
                                      "    ### BEGIN SOLUTION\n" + INJECTED)
    nbformat.write(nb, source)
    course.copy_release("ch01")
    subs = tmp_path / "subs"
    (subs / "honest").mkdir(parents=True)
    nbformat.write(course.filled("ch01"), subs / "honest" / "ch01.ipynb")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
         str(course.root), "--jobs", "1", "-q", "--no-feedback"],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == EXIT_GRADER_ERROR, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "honest: test_one_hot" in proc.stderr
    reports = course.root / "autograder" / "reports" / "ch01"
    verdict = json.loads((reports / "verdicts" / "honest.json").read_text())
    one_hot = verdict["cells"].pop("test_one_hot")
    assert one_hot["status"] == "grader-error" and one_hot["score"] == 0
    assert one_hot["grader_error"]["type"] == "ZeroDivisionError"
    assert "injected into the reference" in one_hot["grader_error"]["message"]
    maxima = course.max_scores("ch01")
    assert {g: c["score"] for g, c in verdict["cells"].items()} == \
        {g: p for g, p in maxima.items() if g != "test_one_hot"}
    assert verdict["status"] == "graded"
    # what the learner reads (the feedback is made from the autograded notebook)
    graded = (course.root / "autograder" / "autograded" / "honest" / "ch01"
              / "ch01.ipynb").read_text()
    assert "The grader failed on this test" in graded and "your instructor" in graded
    assert "ZeroDivisionError" not in graded and "injected" not in graded
    text = (reports / "report.html").read_text()
    assert "Grader errors (1)" in text and "a bug injected into the reference" in text
    from nbgrader.api import Gradebook
    with Gradebook("sqlite:///" + str(course.root / "autograder" / "gradebook.db")) as gb:
        grades = {g.name: g for g in
                  gb.find_submission_notebook("ch01", "ch01", "honest").grades}
        assert grades["test_one_hot"].needs_manual_grade
        assert not any(g.needs_manual_grade for name, g in grades.items()
                       if name != "test_one_hot")


def test_a_reference_that_disagrees_with_its_independent_formulation_is_a_grader_error(
        tmp_path, monkeypatch):
    """The instructor's judges cross-check the reference against an independent
    formulation (ch04: the gate-by-gate LSTM; ch08: the scan as a matrix product). When
    they disagree the course is wrong, so the verdict is a grader error, not the
    learner's failure, even though the learner's outputs are well formed."""
    import numpy as np
    from autograder.judges import ReferenceDisagrees, agree_with_independent
    with pytest.raises(ReferenceDisagrees, match="disagrees with the matrix form on h"):
        agree_with_independent("linear_scan_parallel", "h", np.zeros((2, 3)),
                               np.full((2, 3), 1e-3), "the matrix form", rtol=1e-10,
                               atol=1e-12)
    agree_with_independent("f", "h", np.ones(3), np.ones(3) + 1e-13, "x", rtol=1e-10,
                           atol=1e-12)
    assert not issubclass(ReferenceDisagrees, CheckFailure)
    from autograder.judges import ch08 as judges_ch08
    monkeypatch.setattr(judges_ch08, "scan_as_matrix",
                        lambda a, b, h0: np.zeros(np.shape(b)))  # a broken formulation
    ns = dict(vars(reference.load("ch08")))
    folder, insts = _record(tmp_path, ns, 'check("ch08.linear_scan_matches_matrix", ns, '
                                          'seeds=[3], T=13)')
    verdict = Judge("ch08").judge_cell("test_linear_scan_parallel", 3.0, insts, folder)
    assert (verdict.status, verdict.score, verdict.reason) == ("grader-error", 0.0,
                                                               GRADER_FAILED), verdict
    assert verdict.grader_error["type"] == "ReferenceDisagrees", verdict.grader_error
