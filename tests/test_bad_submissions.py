"""Broken submissions through plain nbgrader: each gets a clear message and a zero for
what is missing, and never stops the rest of the batch."""
from __future__ import annotations

import pytest

from course import Course, answer_cells

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("bad-input")]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    course = Course(tmp_path_factory.mktemp("bad"), ["ch01"])
    course.generate()
    good = course.filled("ch01")
    course.submit("ch01", "honest-before", good)
    course.submit("ch01", "not-json", raw=b'{"cells": [ this is not json')
    course.submit("ch01", "empty-file", raw=b"")

    missing_answer = course.filled("ch01")
    del missing_answer.cells[answer_cells(missing_answer)["rnn_forward"]]
    course.submit("ch01", "missing-answer-cell", missing_answer)

    missing_test = course.filled("ch01")
    missing_test.cells = [c for c in missing_test.cells
                          if c.metadata.get("nbgrader", {}).get("grade_id") != "test_softmax"]
    course.submit("ch01", "missing-test-cell", missing_test)

    stub_deleted = course.filled("ch01")
    stub_deleted.cells[answer_cells(stub_deleted)["sequence_cross_entropy"]].source = ""
    course.submit("ch01", "stub-deleted", stub_deleted)

    course.submit("ch01", "honest-after", good)
    proc = course.autograde("ch01")
    return course, course.scores("ch01"), course.max_scores("ch01"), proc


def test_honest_submissions_keep_full_marks(batch):
    _, scores, maxima, proc = batch
    assert scores["honest-before"] == maxima, proc.stderr[-3000:]
    assert scores["honest-after"] == maxima


@pytest.mark.parametrize("student", ["not-json", "empty-file"])
def test_unreadable_notebook_is_reported_and_scores_nothing(batch, student):
    _, scores, _, proc = batch
    assert sum(scores.get(student, {}).values()) == 0
    log = proc.stdout + proc.stderr
    assert student in log and ("JSON" in log or "Notebook does not appear" in log
                               or "NotJSONError" in log), log[-3000:]


def test_missing_answer_cell_loses_only_that_function(batch):
    course, scores, maxima, _ = batch
    got = scores["missing-answer-cell"]
    assert got["test_rnn_forward"] == 0
    assert {k: v for k, v in got.items() if k != "test_rnn_forward"} == {
        k: v for k, v in maxima.items() if k != "test_rnn_forward"}
    out = course.root / "autograder" / "autograded" / "missing-answer-cell" / "ch01" / "ch01.ipynb"
    text = out.read_text()
    assert "rnn_forward is not defined in your notebook" in text, (
        "the learner is not told what is missing")


def test_deleted_test_cell_is_restored_and_graded(batch):
    _, scores, maxima, _ = batch
    assert scores["missing-test-cell"] == maxima


def test_deleted_stub_loses_only_that_function(batch):
    course, scores, maxima, _ = batch
    got = scores["stub-deleted"]
    lost = "test_sequence_cross_entropy"
    assert got[lost] == 0
    assert {k: v for k, v in got.items() if k != lost} == {
        k: v for k, v in maxima.items() if k != lost}
    out = course.root / "autograder" / "autograded" / "stub-deleted" / "ch01" / "ch01.ipynb"
    assert "sequence_cross_entropy is not defined in your notebook" in out.read_text()
