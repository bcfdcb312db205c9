"""Questions a person grades, conceptual questions, and the robustness of a grading round.

- Every chapter ends with a written answer (``written_chNN``, an nbgrader "manually
  graded answer" in markdown) with a rubric in ``solutions/written_answers.md``, kept
  off the web book, which learners read (``book/how_to_teach.md`` says how to grade).
- Every chapter asks two or three conceptual questions answered by a letter or a number
  (``rnnkit.questions``), judged outside the learner's kernel like every graded cell;
  their keys are only in ``solutions/``: not in the release, not in the kit.
- A grading round with the sandboxed pipeline (``python -m autograder.grade``) leaves
  the written answers to formgrader, keeps a score and a comment given by hand when the
  learner is graded again, grades the later of two submissions, and applies the late
  policy of ``nbgrader_config.py`` through nbgrader's late-submission plugin (the
  ``SubMarks`` course of ``test_exports.py``, one point per hour late).

The slow tests grade with the real pipeline: one round for each chapter (notebooks that
answer only the questions, so they run in a second), and three rounds of chapter 1 for
the round's robustness.
"""
from __future__ import annotations

import io
import contextlib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from course import CHAPTERS, REPO, Course, answer_cells, grade_with_pipeline, nbgrader_env
from rnnkit import cases
from rnnkit.checks import CheckFailure
from rnnkit.course import written_id
from test_exports import LATE, ON_TIME, gradebook_url, late_course

QUESTIONS = {ch: [c.function for c in cases.all_cases(ch) if c.key_hidden] for ch in CHAPTERS}
ASKED = [(ch, q) for ch, qs in QUESTIONS.items() for q in qs]
VARIABLE = {q: "answer_" + q.removeprefix("quiz_") for _ch, q in ASKED}


def _release(chapter: str):
    return nbformat.read(REPO / "exercises" / chapter / f"{chapter}.ipynb", as_version=4)


def _key(chapter: str, question: str):
    from autograder import reference
    return getattr(reference.load(chapter), VARIABLE[question])


def _others(chapter: str, question: str, key) -> dict[str, list]:
    """Answers of every kind for a question: right but written differently, wrong, and
    malformed (each must score zero with a message saying what to write)."""
    from rnnkit.questions import KINDS
    if KINDS[(chapter, question)] == "count":   # a whole number, right only when exact
        assert type(key) is int, (question, key)
        return {"right": [key, float(key), np.int64(key), np.array(key), np.float64(key)],
                "wrong": [key + 1, key - 1, key * 2, 0],
                "malformed": [str(key), None, [key], float("nan"), float("inf"), True, 1j,
                              key + 0.5]}
    if isinstance(key, str):
        choices = "abcd"
        return {"right": [key.upper(), f" {key} ", f"({key})", f"{key.upper()}."],
                "wrong": [c for c in choices if c != key],
                "malformed": [3, None, [key], f"{key}, {'b' if key != 'b' else 'c'}",
                              "e", "", f"{key}{key}", True]}
    return {"right": [float(key), key * (1 + 0.004), np.float64(key), np.array(key),
                      float(f"{key:.4g}")],
            "wrong": [key * 2, key / 4, -key, 0.25 ** 10, 0],
            "malformed": [str(key), None, [key], float("nan"), float("inf"), True, 1j]}


# ---- the written answers ---------------------------------------------------------------

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_ends_with_a_written_answer_for_formgrader(chapter):
    nb = _release(chapter)
    cells = [(i, c) for i, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == written_id(chapter)]
    assert len(cells) == 1, f"{chapter}: no cell {written_id(chapter)}"
    i, cell = cells[0]
    meta = cell.metadata["nbgrader"]
    # nbgrader's "Manually graded answer": markdown, graded, a solution, not locked
    assert cell.cell_type == "markdown" and meta["grade"] and meta["solution"]
    assert not meta["locked"] and 2 <= meta["points"] <= 3
    assert cell.source == "YOUR ANSWER HERE"
    prompt = nb.cells[i - 1]
    assert prompt.cell_type == "markdown" and prompt.metadata["nbgrader"]["locked"]
    words = " ".join(prompt.source.split())
    assert "3 to 6 sentences" in words and "graded by your instructor" in words
    # the notebook's table of parts lists it with its points
    assert f"| a written answer, graded by your instructor | {meta['points']} |" in \
        nb.cells[0].source
    # the model answer stays in solutions/
    source = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    model = [c for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade_id") == written_id(chapter)][0]
    assert "BEGIN SOLUTION" in model.source and len(model.source) > 400


def test_the_rubric_gives_every_written_answer_and_stays_off_the_site():
    """The rubric (solutions/written_answers.md, and its Chinese) gives each chapter's
    three parts; no page of the web book, which learners read, holds it."""
    section = (REPO / "solutions" / "written_answers.md").read_text(encoding="utf-8")
    chinese = (REPO / "solutions" / "written_answers.zh_CN.md").read_text(encoding="utf-8")
    for chapter in CHAPTERS:
        number = int(chapter[2:])
        part = section.split(f"**Chapter {number}:", 1)[1].split("**Chapter ", 1)[0]
        words = " ".join(part.split())
        assert "A full answer says:" in words and "Common partial answers" in words, chapter
        assert all(f"\n{n}. " in part for n in (1, 2, 3)), chapter  # one point per part
        zh = chinese.split(f"**第 {number} 章：", 1)[1].split("**第 ", 1)[0]
        assert "完整的回答应当说明" in zh and all(f"\n{n}. " in zh for n in (1, 2, 3)), chapter
    published = [*(REPO / "book").glob("*.md"),
                 *(REPO / "locales").rglob("*.po")]
    for page in published:
        text = page.read_text(encoding="utf-8")
        assert "A full answer says:" not in text and "完整的回答应当说明" not in text, page


# ---- conceptual questions: the key never reaches the learner ---------------------------

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_asks_two_or_three_conceptual_questions_of_one_point(chapter):
    assert 2 <= len(QUESTIONS[chapter]) <= 3, (chapter, QUESTIONS[chapter])
    for question in QUESTIONS[chapter]:
        release = _release(chapter)
        test = [c for c in release.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") == f"test_{question}"]
        assert len(test) == 1 and test[0].metadata["nbgrader"]["points"] == 1
        # judged like any graded cell: a literal check() the outside judge reads
        assert f'check("{chapter}.{question}", globals())' in test[0].source
        assert question in answer_cells(release)


@pytest.mark.parametrize("chapter,question", ASKED)
def test_the_key_is_in_no_file_a_learner_has(chapter, question):
    key, variable = _key(chapter, question), VARIABLE[question]
    assert key is not None
    assignment = re.compile(rf"{variable}\s*=\s*[^=]")
    # the released notebooks (English and Chinese): the answer cell is the stub
    for path in (REPO / "exercises" / chapter / f"{chapter}.ipynb",
                 REPO / "locales" / "zh_CN" / "exercises" / chapter / f"{chapter}.ipynb"):
        nb = nbformat.read(path, as_version=4)
        cell = nb.cells[answer_cells(nb)[question]]
        assert "raise NotImplementedError()" in cell.source and variable not in cell.source
        for c in nb.cells:
            if c.cell_type == "code":
                assert not assignment.search(c.source), (path, c.source)
    # the kit: no fixture for a question, and no source that assigns the variable
    kit = REPO / "kit" / "rnnkit"
    with np.load(kit / "fixture_data" / f"{chapter}.npz") as data:
        assert not [k for k in data.files if k.startswith(question)]
    for path in kit.rglob("*.py"):
        assert not assignment.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize("chapter,question", ASKED)
def test_a_learners_self_check_cannot_tell_right_from_wrong(chapter, question, monkeypatch):
    """Without the instructor's side (a learner's environment), check() says whether the
    answer has the right form, in the same words for the key and a wrong answer."""
    import rnnkit.expected
    from rnnkit.grading import check
    monkeypatch.setattr(rnnkit.expected, "instructor", lambda: None)
    key, variable = _key(chapter, question), VARIABLE[question]
    said = []
    for answer in (key, _others(chapter, question, key)["wrong"][0]):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            check(f"{chapter}.{question}", {variable: answer})
        shown = f'"{answer}"' if isinstance(answer, str) else f"{answer:.6g}"
        said.append(out.getvalue().replace(shown, "<answer>"))
    assert said[0] == said[1] and "it is marked when your notebook is graded" in said[0]
    with pytest.raises(CheckFailure, match="not answered yet"):
        check(f"{chapter}.{question}", {})


@pytest.mark.parametrize("chapter,question", ASKED)
def test_every_kind_of_answer_gets_its_verdict(chapter, question):
    """The comparison the outside judge makes (Case.compare against the reference's
    outputs): right answers however written pass; wrong and malformed ones fail with a
    message saying what to do, and nothing else is raised."""
    from autograder.instructor import judge_for, reference_run
    case = cases.get(chapter, question)
    expected, _mutated = reference_run(chapter, question, 0)
    kinds = _others(chapter, question, _key(chapter, question))
    for answer in kinds["right"]:
        case.compare({"answer": answer}, expected, judge_for(chapter, question))
    for answer in kinds["wrong"]:
        with pytest.raises(CheckFailure) as failure:
            case.compare({"answer": answer}, expected)
        assert re.search(r"is not the right (choice|count)|is not within 1% of the right "
                         r"value", str(failure.value)), (answer, failure.value)
        assert "Reread chapter" in str(failure.value)
    for answer in kinds["malformed"]:
        with pytest.raises(CheckFailure) as failure:
            case.compare({"answer": answer}, expected)
        assert re.search(r"write (exactly )?(one letter|a number|a finite number)|not "
                         r"answered yet|a count is a whole number", str(failure.value)), (
                             answer, failure.value)


# ---- conceptual questions through the sandboxed pipeline -------------------------------

def _answered(release, answers: dict) -> nbformat.NotebookNode:
    """The release with only the questions in ``answers`` answered (question -> the
    value as a learner types it)."""
    import copy
    nb = copy.deepcopy(release)
    for question, value in answers.items():
        nb.cells[answer_cells(nb)[question]].source = f"{VARIABLE[question]} = {value}\n"
    return nb


def _written(chapter: str, question: str) -> dict[str, str]:
    """Every kind of answer to one question, as a learner types it into the cell."""
    key = _key(chapter, question)
    kinds = _others(chapter, question, key)
    return {"key": repr(key), "spaced": repr(kinds["right"][1]),
            "other-form": ("'" + f"({key})" + "'" if isinstance(key, str) else f"{key:.4g}"),
            "wrong": repr(kinds["wrong"][0]),
            "wrong-type": "3" if isinstance(key, str) else repr(str(key)),
            "several": f"'{key}, b'" if isinstance(key, str) else f"[{key}, 0.5]"}


RIGHT_KINDS = ("key", "spaced", "other-form")


def _question_round(root: Path, chapter: str):
    """One pipeline round of a chapter: the release, one notebook per kind of answer that
    answers every question of the chapter that way, and a "mixed" one whose questions
    get the key and a wrong answer in turn (a verdict belongs to its own cell)."""
    course = Course(root / "course", [chapter])
    course.copy_release(chapter)
    release = course.release(chapter)
    written = {question: _written(chapter, question) for question in QUESTIONS[chapter]}
    notebooks = {"release": release}
    expect = {"release": {question: False for question in QUESTIONS[chapter]}}
    for kind in written[QUESTIONS[chapter][0]]:
        notebooks[kind] = _answered(release, {q: w[kind] for q, w in written.items()})
        expect[kind] = {question: kind in RIGHT_KINDS for question in QUESTIONS[chapter]}
    turn = {q: ("key", "wrong")[i % 2] for i, q in enumerate(QUESTIONS[chapter])}
    notebooks["mixed"] = _answered(release, {q: written[q][k] for q, k in turn.items()})
    expect["mixed"] = {q: k == "key" for q, k in turn.items()}
    proc, verdicts = grade_with_pipeline(course, chapter, notebooks, root / "in", jobs=2)
    return proc, verdicts, expect, turn


@pytest.fixture(scope="module")
def question_rounds(tmp_path_factory):
    """chapter -> its round, graded the first time a test asks for it (so ``-k ch03``
    grades chapter 3 only)."""
    rounds = {}

    def get(chapter: str):
        if chapter not in rounds:
            rounds[chapter] = _question_round(
                tmp_path_factory.mktemp(f"questions-{chapter}"), chapter)
        return rounds[chapter]
    return get


@pytest.mark.slow
@pytest.mark.xdist_group("questions")
@pytest.mark.parametrize("chapter,question", ASKED)
def test_questions_are_judged_outside_the_kernel(question_rounds, chapter, question):
    proc, verdicts, expect, turn = question_rounds(chapter)
    assert proc.returncode == 0, proc.stderr[-3000:]  # no grader error, no crash
    for student, wanted in expect.items():
        verdict = verdicts[student]
        assert verdict["status"] == "graded" and not verdict["tampering"], verdict
        cell = verdict["cells"][f"test_{question}"]
        assert cell["score"] == (1.0 if wanted[question] else 0.0), (student, cell)
        if not wanted[question]:
            reason = cell["reason"]
            assert cell["status"] == "failed" and "seed=" not in reason, (student, reason)
            if student == "release":
                assert "is not answered yet" in reason, reason
            elif student == "wrong" or (student == "mixed" and turn[question] == "wrong"):
                assert "Reread chapter" in reason and re.search(
                    r"not the right (choice|count)|not within 1%", reason), reason
            else:
                assert re.search(r"write (exactly )?(one letter|a number)", reason), reason
        # the questions' points are the chapter's only points in these notebooks
        questions = [f"test_{q}" for q in QUESTIONS[chapter]]
        assert verdict["score"] == sum(verdict["cells"][c]["score"] for c in questions), (
            student, verdict["score"])


# ---- the round: manual grades, resubmissions, late submissions (chapter 1) -------------

WRITTEN = ("Sharing the weights makes the number of parameters independent of the length, "
           "and what is learned at one position holds at every other. The state carries "
           "information forward, so early inputs can affect late outputs.")
RESUBMITTED = "2026-03-01 11:45:00 UTC"   # alice's second submission, still on time


def _grade(course: Course, folder: Path | None, submissions: dict, *extra: str):
    """One round of ``python -m autograder.grade ch01`` on a folder in nbgrader's layout
    (``<student>/ch01/ch01.ipynb`` and ``timestamp.txt``), or on the submitted folder."""
    if folder is not None:
        for student, (nb, stamp) in submissions.items():
            (folder / student / "ch01").mkdir(parents=True)
            nbformat.write(nb, folder / student / "ch01" / "ch01.ipynb")
            (folder / student / "ch01" / "timestamp.txt").write_text(stamp + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01",
         *([str(folder)] if folder is not None else []), "--root", str(course.root),
         "--jobs", "2", "--no-feedback", "-q", *extra],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc


def _gradebook(course: Course) -> dict:
    """student -> {"grades": {grade id: (auto, manual, needs manual)}, "comments": {grade
    id: (auto comment, manual comment)}, "score", "penalty", "timestamp"}."""
    from nbgrader.api import Gradebook
    out = {}
    with Gradebook(gradebook_url(course.root)) as gb:
        for sub in gb.assignment_submissions("ch01"):
            nb = sub.notebooks[0]
            out[sub.student.id] = {
                "grades": {g.name: (g.auto_score, g.manual_score, g.needs_manual_grade)
                           for g in nb.grades},
                "comments": {c.name: (c.auto_comment, c.manual_comment) for c in nb.comments},
                "score": sub.score, "penalty": sub.late_submission_penalty,
                "timestamp": sub.timestamp}
    return out


@pytest.fixture(scope="module")
def round_course(tmp_path_factory):
    """Three rounds of chapter 1 under the SubMarks late policy (test_exports.py):

    1. alice (one_hot left as released, a written answer), bob (the release, untouched)
       and carol (every answer right, 3 hours late); then an instructor grades alice's
       written answer (2 of 3 points, with a comment) and overrides her softmax score;
    2. alice submits again (one_hot now right, the same written answer, later
       timestamp), alone in the input;
    3. alice is regraded from the submitted folder (``--student alice``).
    """
    from nbgrader.api import Gradebook
    root = tmp_path_factory.mktemp("round")
    course = late_course(root / "course")   # released by nbgrader into its exercises/
    release = course.release("ch01")
    written_at = [i for i, c in enumerate(release.cells)
                  if c.metadata["nbgrader"].get("grade_id") == written_id("ch01")][0]
    stub = "def one_hot(indices, vocab_size):\n    raise NotImplementedError()\n"
    first = course.filled("ch01", {"one_hot": stub})
    second = course.filled("ch01", {"one_hot": "# second attempt\n" +
                                    course.filled("ch01").cells[
                                        answer_cells(release)["one_hot"]].source})
    for nb in (first, second):
        nb.cells[written_at].source = WRITTEN
    states = {}
    _grade(course, root / "in1", {"alice": (first, "2026-03-01 11:00:00 UTC"),
                                  "bob": (release, ON_TIME),
                                  "carol": (course.filled("ch01"), LATE)})
    states["first"] = _gradebook(course)
    with Gradebook(gradebook_url(course.root)) as gb:   # what formgrader does
        grade = gb.find_grade(written_id("ch01"), "ch01", "ch01", "alice")
        grade.manual_score = 2.0
        gb.find_grade("test_softmax", "ch01", "ch01", "alice").manual_score = 0.5
        gb.find_comment(written_id("ch01"), "ch01", "ch01", "alice").manual_comment = \
            "Good on sharing; say what a CNN lacks."
        gb.db.commit()
    states["manual"] = _gradebook(course)
    _grade(course, root / "in2", {"alice": (second, RESUBMITTED)})
    states["second"] = _gradebook(course)
    states["second_verdicts"] = json.loads((course.root / "autograder" / "reports" / "ch01" /
                                            "verdicts" / "alice.json").read_text())
    states["autograded"] = (course.root / "autograder" / "autograded" / "alice" / "ch01" /
                            "ch01.ipynb").read_text()
    _grade(course, None, {}, "--student", "alice")
    states["regraded"] = _gradebook(course)
    return course, states


@pytest.mark.slow
@pytest.mark.xdist_group("round")
def test_the_written_answer_is_left_to_formgrader(round_course):
    course, states = round_course
    first = states["first"]
    auto_points = sum(course.max_scores("ch01").values())
    # answered: no automatic score, listed for a manual grade
    assert first["alice"]["grades"][written_id("ch01")] == (None, None, True)
    # left as released: 0, not listed, and nbgrader's "No response."
    assert first["bob"]["grades"][written_id("ch01")] == (0.0, None, False)
    assert first["bob"]["comments"][written_id("ch01")][0] == "No response."
    assert first["carol"]["grades"][written_id("ch01")] == (0.0, None, False)
    # the written answer is not the outside judge's: no verdict, no automatic points
    assert written_id("ch01") not in states["second_verdicts"]["cells"]
    assert first["alice"]["score"] == auto_points - 1.0     # one_hot (1 point) missing


@pytest.mark.slow
@pytest.mark.xdist_group("round")
def test_regrading_keeps_the_scores_and_comment_given_by_hand(round_course):
    course, states = round_course
    auto_points = sum(course.max_scores("ch01").values())
    for state in ("second", "regraded"):
        alice = states[state]["alice"]
        assert alice["grades"][written_id("ch01")][1] == 2.0, state
        assert alice["comments"][written_id("ch01")][1] == \
            "Good on sharing; say what a CNN lacks.", state
        # an autograded cell scored by hand keeps that score, flagged for review
        assert alice["grades"]["test_softmax"] == (1.0, 0.5, True), state
        # the total includes both: all autograded points but softmax's, 0.5 and 2
        assert alice["score"] == pytest.approx(auto_points - 1.0 + 0.5 + 2.0), state
    # the others were not touched by alice's rounds
    for student in ("bob", "carol"):
        assert states["regraded"][student] == states["first"][student]


@pytest.mark.slow
@pytest.mark.xdist_group("round")
def test_the_later_of_two_submissions_is_graded(round_course):
    course, states = round_course
    first, second = states["first"]["alice"], states["second"]["alice"]
    assert first["grades"]["test_one_hot"][0] == 0.0
    assert second["grades"]["test_one_hot"][0] == 1.0
    assert states["second_verdicts"]["cells"]["test_one_hot"]["score"] == 1.0
    assert "# second attempt" in states["autograded"]
    # nbgrader's timestamp is the second submission's
    assert str(second["timestamp"]).startswith(RESUBMITTED[:19])
    submitted = course.root / "autograder" / "submitted" / "alice" / "ch01"
    assert "# second attempt" in (submitted / "ch01.ipynb").read_text()
    assert (submitted / "timestamp.txt").read_text().strip() == RESUBMITTED


@pytest.mark.slow
@pytest.mark.xdist_group("round")
def test_a_late_submission_gets_the_configured_late_policy(round_course):
    """SubMarks (test_exports.py): one point per hour late, through nbgrader's
    AssignLatePenalties in the pipeline's own autograde step."""
    course, states = round_course
    auto_points = sum(course.max_scores("ch01").values())
    carol = states["regraded"]["carol"]
    assert carol["penalty"] == 3.0
    assert carol["score"] == auto_points   # nbgrader's score is before the penalty
    assert states["regraded"]["alice"]["penalty"] == 0.0
    assert states["regraded"]["bob"]["penalty"] == 0.0
