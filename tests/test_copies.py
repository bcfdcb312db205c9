"""Copied and split cells (one grade id on several cells) keep their points.

Jupyter's copy/paste and "split cell" keep the nbgrader metadata. The unit tests apply
``resolve_copies`` to the chapter-1 release notebook, filled with the reference answers
and then edited the way a learner's Jupyter would; the slow test grades such notebooks
with the real pipeline command, where nbgrader's autograde resolves them again from the
gradebook (``ResolveCopies``) and must reach the same notebook the sandbox ran.
"""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import uuid

import nbformat
import pytest
from nbgrader.preprocessors import DeduplicateIds

from course import (REPO, Course, answer_cells, autograded_points, nbgrader_env,
                    solution_sources)
from autograder.pipeline import nbgrader_steps
from autograder.pipeline.copies import ResolveCopies, defined_functions, resolve_copies
from autograder.pipeline.inspection import release_notebook_cells as _release_cells

FULL = autograded_points("ch01")  # every autograded cell of ch01 at full marks

HELPER_THEN_STEP = '''def _preactivation(x, prev_h, Wx, Wh, b):
    return x @ Wx + prev_h @ Wh + b  # (N, H)
<SPLIT>
def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step of an Elman RNN."""
    next_h = np.tanh(_preactivation(x, prev_h, Wx, Wh, b))  # (N, H)
    return next_h, (x, prev_h, Wx, Wh, next_h)'''


# ----------------------------------------------------------------------------- helpers

def gid(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def at(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if gid(c) == grade_id)


def duplicate(cell):
    """What Jupyter's copy/paste makes: the same cell, metadata included, a new id."""
    new = copy.deepcopy(cell)
    new["id"] = uuid.uuid4().hex[:8]
    return new


def filled(overrides: dict[str, str] | None = None):
    """The chapter-1 release notebook answered with the reference solutions."""
    nb = nbformat.read(REPO / "exercises" / "ch01" / "ch01.ipynb", as_version=4)
    answers = {**solution_sources("ch01"), **(overrides or {})}
    for grade_id, i in answer_cells(nb).items():
        nb.cells[i].source = answers[grade_id]
    return nb


def split(nb, grade_id: str, marker: str = "<SPLIT>"):
    """Jupyter's "split cell" at ``marker``: two cells, both with the metadata."""
    i = at(nb, grade_id)
    head, tail = nb.cells[i].source.split(marker)
    second = duplicate(nb.cells[i])
    nb.cells[i].source, second.source = head.rstrip("\n"), tail.lstrip("\n")
    nb.cells.insert(i + 1, second)
    return nb


def paste_copy(nb, grade_id: str, where: int):
    nb.cells.insert(where, duplicate(nb.cells[at(nb, grade_id)]))
    return nb


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    """The release cells as the pipeline builds them (inspection.release_notebook_cells)."""
    root = tmp_path_factory.mktemp("release")
    dest = root / nbgrader_steps.SCRATCH / "release" / "ch01"
    dest.mkdir(parents=True)
    shutil.copy(REPO / "exercises" / "ch01" / "ch01.ipynb", dest / "ch01.ipynb")
    return _release_cells(root, "ch01")


def ids(nb) -> list[str]:
    return [g for g in map(gid, nb.cells) if g]


def assert_nbgrader_finds_no_duplicates(nb):
    before = copy.deepcopy(nb)
    DeduplicateIds().preprocess(nb, {})
    assert nb == before
    assert len(ids(nb)) == len(set(ids(nb)))


# ----------------------------------------------------------------------------- builders
# Shared by the unit tests and the graded end-to-end test.

def copied_answer():
    """rnn_step_forward's answer pasted again right below itself."""
    nb = filled()
    return paste_copy(nb, "rnn_step_forward", at(nb, "rnn_step_forward") + 1)


def split_answer():
    """rnn_step_forward written as a helper and the function, split between them."""
    return split(filled({"rnn_step_forward": HELPER_THEN_STEP}), "rnn_step_forward")


def split_after_def():
    """one_hot's cell split after its def block: the learner's own try-out below."""
    body = solution_sources("ch01")["one_hot"] + (
        "\n<SPLIT>\nprint(one_hot(np.array([[0, 2]]), 3).shape)  # my own check\n")
    return split(filled({"one_hot": body}), "one_hot")


def copied_test():
    """test_softmax pasted again after the sampling part."""
    nb = filled()
    return paste_copy(nb, "test_softmax", at(nb, "test_sample_token") + 1)


def copied_markdown():
    """Part 2's instructions pasted at the end, as the learner's notes."""
    nb = filled()
    return paste_copy(nb, "p2", len(nb.cells))


# ----------------------------------------------------------------------------- unit

def test_no_duplicates_no_notes_and_the_notebook_is_unchanged(release):
    nb = filled()
    before = copy.deepcopy(nb)
    assert resolve_copies(nb, release) == []
    assert nb == before


def test_copied_answer_cell(release):
    nb = copied_answer()
    i = at(nb, "rnn_step_forward")
    original, pasted = nb.cells[i], nb.cells[i + 1]
    notes = resolve_copies(nb, release)
    assert notes == ["The answer cell 'rnn_step_forward' appeared 2 times (a copied or "
                     "split cell); the copy that defines rnn_step_forward was graded and "
                     "the others ran as your own code."]
    assert nb.cells[i] is original and gid(original) == "rnn_step_forward"
    assert nb.cells[i + 1] is pasted and "nbgrader" not in pasted.metadata
    assert pasted.cell_type == "code" and pasted.source == original.source  # still runs
    assert_nbgrader_finds_no_duplicates(nb)


def test_the_copy_that_defines_the_function_is_graded_wherever_it_is(release):
    # the learner emptied the original after pasting a copy below: the copy is graded
    nb = copied_answer()
    i = at(nb, "rnn_step_forward")
    nb.cells[i].source = "# moved below"
    resolve_copies(nb, release)
    assert "nbgrader" not in nb.cells[i].metadata
    assert gid(nb.cells[i + 1]) == "rnn_step_forward"
    assert "def rnn_step_forward" in nb.cells[i + 1].source


def test_split_answer_helper_and_function(release):
    nb = split_answer()
    i = at(nb, "rnn_step_forward")
    helper, function = nb.cells[i], nb.cells[i + 1]
    notes = resolve_copies(nb, release)
    assert len(notes) == 1
    assert "the copy that defines rnn_step_forward was graded" in notes[0]
    assert gid(function) == "rnn_step_forward" and "nbgrader" not in helper.metadata
    assert nb.cells[i] is helper and nb.cells[i + 1] is function  # order kept: helper first
    assert_nbgrader_finds_no_duplicates(nb)


def test_split_answer_after_the_def_block(release):
    nb = split_after_def()
    i = at(nb, "one_hot")
    function, tryout = nb.cells[i], nb.cells[i + 1]
    assert tryout.source.startswith("print(one_hot(")
    resolve_copies(nb, release)
    assert gid(function) == "one_hot" and "nbgrader" not in tryout.metadata
    assert nb.cells[i + 1] is tryout


def test_split_answer_with_two_graded_functions(release):
    # a released answer cell that asks for two functions (later chapters' pairs)
    two = copy.deepcopy(release)
    two["softmax"]["source"] += ("\n\ndef log_softmax(scores):\n"
                                 "    raise NotImplementedError()")
    log_softmax = "def log_softmax(scores):\n    return np.log(softmax(scores))"
    # split one per cell: a tie, the first is graded and the second still runs after it
    softmax = solution_sources("ch01")["softmax"]
    nb = filled({"softmax": softmax + "\n<SPLIT>\n" + log_softmax})
    nb = split(nb, "softmax")
    i = at(nb, "softmax")
    first, second = nb.cells[i], nb.cells[i + 1]
    notes = resolve_copies(nb, two)
    assert gid(first) == "softmax" and "nbgrader" not in second.metadata
    assert "the copy that defines softmax was graded" in notes[0]
    # a stray line split off above both functions: the cell with both is graded
    nb = filled({"softmax": "SEED = 0\n<SPLIT>\n" + softmax + "\n\n" + log_softmax})
    nb = split(nb, "softmax")
    i = at(nb, "softmax")
    stray, both = nb.cells[i], nb.cells[i + 1]
    notes = resolve_copies(nb, two)
    assert "nbgrader" not in stray.metadata and gid(both) == "softmax"
    assert "defines softmax, log_softmax was graded" in notes[0]


def test_a_cell_that_does_not_parse_is_read_line_by_line(release):
    assert defined_functions("%matplotlib inline\ndef one_hot(i, v):\n    pass") == \
        ["one_hot"]
    assert defined_functions("%load_ext autoreload\nx = 1\n    def inner(): pass") == []
    nb = filled({"one_hot": "%load_ext autoreload\n<SPLIT>\n%matplotlib inline\n"
                            + solution_sources("ch01")["one_hot"]})
    nb = split(nb, "one_hot")
    i = at(nb, "one_hot")
    resolve_copies(nb, release)
    assert "nbgrader" not in nb.cells[i].metadata and gid(nb.cells[i + 1]) == "one_hot"


def test_copied_test_cell(release):
    nb = copied_test()
    count = len(nb.cells)
    original = nb.cells[at(nb, "test_softmax")]
    notes = resolve_copies(nb, release)
    assert notes == ["The test cell 'test_softmax' appeared 2 times (a copied cell); it "
                     "was graded once and the copies were removed."]
    assert len(nb.cells) == count - 1 and ids(nb).count("test_softmax") == 1
    assert nb.cells[at(nb, "test_softmax")] is original
    assert_nbgrader_finds_no_duplicates(nb)


def test_the_test_copy_that_is_the_released_one_stays(release):
    nb = copied_test()
    first = nb.cells[at(nb, "test_softmax")]
    first.source = "print('checked by hand')"  # the learner edited the first copy
    resolve_copies(nb, release)
    kept = nb.cells[at(nb, "test_softmax")]
    assert kept is not first and kept.source == release["test_softmax"]["source"]
    assert all(c is not first for c in nb.cells)
    assert at(nb, "test_softmax") > at(nb, "test_sample_token")  # the pasted one stayed


def test_the_released_flags_decide_not_the_copies_metadata(release):
    nb = copied_test()
    for cell in nb.cells:
        if gid(cell) == "test_softmax":  # flags edited on both copies
            cell.metadata.nbgrader.update(grade=False, solution=True, locked=False)
    notes = resolve_copies(nb, release)
    assert notes[0].startswith("The test cell 'test_softmax'")
    assert ids(nb).count("test_softmax") == 1
    assert not any("check(\"ch01.softmax\"" in c.source and "nbgrader" not in c.metadata
                   for c in nb.cells)  # the copy was removed, not left to run


def test_copied_markdown_cell(release):
    nb = copied_markdown()
    count = len(nb.cells)
    original, notes_cell = nb.cells[at(nb, "p2")], nb.cells[-1]
    notes = resolve_copies(nb, release)
    assert notes == ["The cell 'p2' appeared 2 times (a copied cell); the first is the "
                     "course's cell and the others were kept as your notes."]
    assert len(nb.cells) == count and gid(original) == "p2"
    assert nb.cells[-1] is notes_cell and notes_cell.cell_type == "markdown"
    assert "nbgrader" not in notes_cell.metadata and notes_cell.source == original.source
    assert_nbgrader_finds_no_duplicates(nb)


def test_copied_locked_code_cell(release):
    nb = filled()
    nb = paste_copy(nb, "imports", at(nb, "p2"))
    pasted = nb.cells[at(nb, "p2") - 1]
    notes = resolve_copies(nb, release)
    assert notes == ["The locked cell 'imports' appeared 2 times (a copied cell); the "
                     "first is the course's cell and the others ran as your own code."]
    assert at(nb, "imports") == 1 and pasted.cell_type == "code"
    assert "nbgrader" not in pasted.metadata
    assert_nbgrader_finds_no_duplicates(nb)


def test_several_copies_at_once_one_note_each(release):
    nb = copied_markdown()
    nb = paste_copy(nb, "test_softmax", len(nb.cells))
    nb = paste_copy(nb, "test_softmax", len(nb.cells))
    nb = paste_copy(nb, "one_hot", at(nb, "one_hot") + 1)
    notes = resolve_copies(nb, release)
    assert [n.split("'")[1] for n in notes] == ["one_hot", "p2", "test_softmax"]
    assert "appeared 3 times" in notes[2]
    assert_nbgrader_finds_no_duplicates(nb)
    for note in notes:
        assert len(note) < 200 and "<" not in note and "\n" not in note


def test_resolve_copies_runs_first_in_nbgraders_sanitising():
    assert nbgrader_steps.SANITIZE[0] is ResolveCopies
    from nbgrader.preprocessors import DeduplicateIds as Dedup
    assert nbgrader_steps.SANITIZE.index(Dedup) > 0


# ----------------------------------------------------------------------------- graded

GRADED = {"copied-answer": (copied_answer, "answer cell 'rnn_step_forward' appeared 2"),
          "split-answer": (split_answer, "answer cell 'rnn_step_forward' appeared 2"),
          "split-after-def": (split_after_def, "answer cell 'one_hot' appeared 2"),
          "copied-test": (copied_test, "test cell 'test_softmax' appeared 2"),
          "copied-markdown": (copied_markdown, "cell 'p2' appeared 2 times")}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("copies")
    course = Course(root / "course", ["ch01"])
    subs = root / "subs"
    for student, (build, _) in GRADED.items():
        (subs / student).mkdir(parents=True)
        nbformat.write(build(), subs / student / "ch01.ipynb")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
         str(course.root), "--cell-timeout", "20", "-q", "--no-feedback"],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=1500)
    reports = course.root / "autograder" / "reports" / "ch01" / "verdicts"
    verdicts = {p.stem: json.loads(p.read_text()) for p in reports.glob("*.json")}
    return {"course": course, "proc": proc, "verdicts": verdicts,
            "scores": course.scores("ch01")}


@pytest.mark.slow
@pytest.mark.xdist_group("copies")
@pytest.mark.parametrize("student", sorted(GRADED))
def test_copied_and_split_cells_keep_full_marks(graded, student):
    proc = graded["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    verdict = graded["verdicts"][student]
    # plain nbgrader's failure mode: "rejected: nbgrader could not read ... ('grade_id')"
    assert verdict["status"] == "graded", json.dumps(verdict, indent=1)[:3000]
    assert {g: c["score"] for g, c in verdict["cells"].items()} == FULL, verdict
    assert graded["scores"][student] == FULL  # what nbgrader export and feedback read
    note = GRADED[student][1]
    assert [n for n in verdict["notes"] if note in n], verdict["notes"]
    autograded = nbformat.read(graded["course"].root / "autograder" / "autograded"
                               / student / "ch01" / "ch01.ipynb", as_version=4)
    assert len(ids(autograded)) == len(set(ids(autograded)))
    assert note in autograded.cells[0].source  # the grading notes, on top


@pytest.mark.slow
@pytest.mark.xdist_group("copies")
def test_the_gradebook_gives_the_release_the_pipeline_reads(graded):
    """ResolveCopies (from the gradebook) and inspect (from the release notebook) must
    make the same choices: the same sources (hidden tests cleared) and flags."""
    from autograder.pipeline.copies import release_cells
    root = graded["course"].root
    resources = {"nbgrader": {"notebook": "ch01", "assignment": "ch01",
                              "db_url": nbgrader_steps.db_url(root)}}
    from_gradebook = release_cells(resources)
    from_release = _release_cells(root, "ch01")
    assert list(from_gradebook) == list(from_release)
    for name, want in from_release.items():
        got = from_gradebook[name]
        assert got["source"].strip() == want["source"].strip(), name
        assert got["locked"] == want["locked"], name
        for flag in ("grade", "solution"):
            assert bool(got["meta"].get(flag)) == bool(want["meta"].get(flag)), (name, flag)
    assert any("HIDDEN" in c.source for c in nbformat.read(
        root / "solutions" / "ch01" / "ch01.ipynb", as_version=4).cells)
