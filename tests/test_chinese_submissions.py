"""A submission in Chinese is graded exactly like the same answers in English (issue 22):
by the sandboxed pipeline (``python -m autograder.grade``) and by plain ``nbgrader
autograde``. The Chinese notebook (locales/zh_CN/exercises/, made by
``scripts/i18n.py notebooks``) differs from the release only in its markdown, and says
its language in ``metadata.rnncourse.language``: the pipeline gives the same scores and
the same reasons, each in the submission's language (the kit's messages, recorded in
the sandbox under ``RNNCOURSE_LANG``, and the outside judge's, under
``rnnkit.i18n.using_language``)."""
from __future__ import annotations

import re

import nbformat
import pytest

from course import REPO, Course, grade_with_pipeline, mutant_source, mutants

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("pipeline-zh")]

CHAPTER = "ch04"
CJK = re.compile(r"[\u4e00-\u9fff]")
ZH_NOTEBOOK = REPO / "locales" / "zh_CN" / "exercises" / CHAPTER / f"{CHAPTER}.ipynb"


def in_chinese(english_submission):
    """The same answers written into the Chinese notebook."""
    zh = nbformat.read(ZH_NOTEBOOK, as_version=4)
    assert len(zh.cells) == len(english_submission.cells)
    for mine, theirs in zip(zh.cells, english_submission.cells):
        if mine.cell_type == "code":
            mine.source = theirs.source
    return zh


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("zh-grading")
    course = Course(root / "course", [CHAPTER])
    course.copy_release(CHAPTER)
    function, _name, path = next(m for m in mutants(CHAPTER) if m[0] == "lstm_backward")
    english = {"solution": course.filled(CHAPTER),
               "release": course.release(CHAPTER),
               "wrong": course.filled(CHAPTER, {function: mutant_source(CHAPTER, function,
                                                                         path)})}
    notebooks = {**{f"{k}-en": nb for k, nb in english.items()},
                 **{f"{k}-zh": in_chinese(nb) for k, nb in english.items()}}
    submissions = root / "submissions"
    proc, verdicts = grade_with_pipeline(course, CHAPTER, notebooks, submissions, jobs=2)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return course, notebooks, verdicts, course.scores(CHAPTER)


def test_the_chinese_notebook_is_the_release_in_other_words():
    english = nbformat.read(REPO / "exercises" / CHAPTER / f"{CHAPTER}.ipynb", as_version=4)
    zh = nbformat.read(ZH_NOTEBOOK, as_version=4)
    assert zh.metadata["rnncourse"]["language"] == "zh_CN"
    changed = 0
    for en_cell, zh_cell in zip(english.cells, zh.cells, strict=True):
        assert en_cell.cell_type == zh_cell.cell_type
        if en_cell.cell_type == "code":
            assert zh_cell.source == en_cell.source and zh_cell.metadata == en_cell.metadata
        else:
            en_meta = {k: v for k, v in en_cell.metadata.get("nbgrader", {}).items()
                       if k != "checksum"}
            zh_meta = {k: v for k, v in zh_cell.metadata.get("nbgrader", {}).items()
                       if k != "checksum"}
            assert en_meta == zh_meta
            changed += zh_cell.source != en_cell.source
    # A written answer's stub stays as nbgrader wrote it ("YOUR ANSWER HERE"): nbgrader
    # tells an untouched answer ("No response.", 0) from its checksum, so a translated
    # stub would be graded as an answer.
    stubs = sum(c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("solution")
                and c.source == "YOUR ANSWER HERE" for c in english.cells)
    assert stubs == 1
    assert changed == sum(c.cell_type == "markdown" for c in english.cells) - stubs, (
        "a markdown cell of the Chinese notebook is still in English")


@pytest.mark.parametrize("who", ["solution", "release", "wrong"])
def test_the_pipeline_gives_the_same_scores_in_both_languages(batch, who):
    _course, _notebooks, verdicts, scores = batch
    assert scores[f"{who}-zh"] == scores[f"{who}-en"], (scores[f"{who}-en"],
                                                       scores[f"{who}-zh"])
    en, zh = verdicts[f"{who}-en"], verdicts[f"{who}-zh"]
    assert zh["status"] == "graded" and not zh["tampering"]
    for cell, verdict in en["cells"].items():
        assert bool(zh["cells"][cell].get("reason")) == bool(verdict.get("reason")), cell
    if who == "solution":
        assert scores["solution-zh"] == _course.max_scores(CHAPTER)
    if who == "wrong":
        assert scores["wrong-zh"]["test_lstm_backward"] == 0


@pytest.mark.parametrize("who", ["solution", "release", "wrong"])
def test_the_reasons_are_in_the_submissions_language(batch, who):
    _course, _notebooks, verdicts, _scores = batch
    en, zh = verdicts[f"{who}-en"]["cells"], verdicts[f"{who}-zh"]["cells"]
    assert set(en) == set(zh)
    for cell, verdict in en.items():
        assert zh[cell]["status"] == verdict["status"], cell
        english, chinese = verdict.get("reason") or "", zh[cell].get("reason") or ""
        assert not CJK.search(english), (cell, english)
        if english:
            assert CJK.search(chinese), (cell, chinese)
    if who == "wrong":   # the checks' generic frame, in Chinese around the same numbers
        reason = zh["test_lstm_backward"]["reason"]
        assert "用例 seed=" in reason and ("是对的。" in reason or "不对" in reason), reason
        english = en["test_lstm_backward"]["reason"]
        assert "case seed=" in english and ("right.)" in english or "wrong" in english)
        # the numbers (errors, tolerances, shapes) are the same in both
        number = re.compile(r"\d+(?:\.\d+)?(?:e[+-]\d+)?")
        assert sorted(number.findall(reason)) == sorted(number.findall(english)), (reason,
                                                                           english)
    if who == "release":
        assert any("还没有实现" in v["reason"] for v in zh.values()), zh
    if who == "solution":
        assert all(v["reason"].startswith("通过（") for v in zh.values()), zh


def test_plain_nbgrader_gives_the_same_scores_in_both_languages(batch, tmp_path):
    _course, notebooks, _verdicts, pipeline_scores = batch
    course = Course(tmp_path / "course", [CHAPTER])
    course.generate()      # nbgrader's own release, and the gradebook's record of it
    for student in ("solution-en", "solution-zh", "wrong-en", "wrong-zh"):
        course.submit(CHAPTER, student, notebooks[student])
    proc = course.autograde(CHAPTER)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    scores = course.scores(CHAPTER)
    for who in ("solution", "wrong"):
        assert scores[f"{who}-zh"] == scores[f"{who}-en"] == pipeline_scores[f"{who}-en"]
