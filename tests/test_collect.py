"""Collection of submissions (``autograder.pipeline.collect``): every accepted layout,
a learner's own folder never taken for a wrapper, flat files keeping their whole name,
and two inputs with one student id both collected, loudly. Fast tier: no nbgrader."""
from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.pipeline import collect
from autograder.pipeline.collect import CollectionClash

A = "ch01"


def _notebook(path: Path, marker: str, test_cell: bool = False) -> bytes:
    """Write a small notebook whose first cell says ``marker``; return its bytes."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell(f"# {marker}"))
    if test_cell:
        cell = nbformat.v4.new_code_cell('check("ch01.softmax", globals())')
        cell.metadata["nbgrader"] = {"grade": True, "grade_id": "test_softmax",
                                     "points": 1, "solution": False, "locked": True,
                                     "schema_version": 3}
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path.read_bytes()


def _zip(folder: Path, archive: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, prefix + str(path.relative_to(folder)))
    return archive


def _collect(source: Path, out: Path, **kw) -> dict:
    """collect() that fails the test on any warning (clashes are tested apart)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return collect.collect(source, out, A, **kw)


def _graded(out: Path, student: str) -> bytes:
    return (out / student / A / f"{A}.ipynb").read_bytes()


# ------------------------------------------------------------------ one learner's folder

@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
def test_a_single_learner_in_nbgrader_layout_is_collected_under_their_name(
        tmp_path, as_zip):
    src = tmp_path / "in"
    mine = _notebook(src / "alice" / A / f"{A}.ipynb", "alice")
    (src / "alice" / A / "data.txt").write_text("alice's data")
    source = _zip(src, tmp_path / "one.zip") if as_zip else src
    got = _collect(source, tmp_path / "submitted")
    assert sorted(got) == ["alice"]
    assert _graded(tmp_path / "submitted", "alice") == mine
    assert (tmp_path / "submitted" / "alice" / A / "data.txt").read_text() == "alice's data"
    assert got["alice"].notes == []


def test_a_single_learner_inside_an_lms_wrapper_is_collected_under_their_name(tmp_path):
    src = tmp_path / "in"
    mine = _notebook(src / "alice" / A / f"{A}.ipynb", "alice")
    got = _collect(_zip(src, tmp_path / "lms.zip", prefix="export/round 1/"),
                   tmp_path / "submitted")
    assert sorted(got) == ["alice"]
    assert _graded(tmp_path / "submitted", "alice") == mine


@pytest.mark.parametrize("name", ["my work.ipynb", f"bob_{A}.ipynb"])
def test_a_single_learner_folder_of_files_is_collected_under_their_name(tmp_path, name):
    src = tmp_path / "in"
    mine = _notebook(src / "bob" / name, "bob")
    (src / "bob" / "data").mkdir()
    (src / "bob" / "data" / "table.csv").write_text("1,2\n")
    out = tmp_path / "submitted"
    got = _collect(src, out)
    assert sorted(got) == ["bob"]
    assert _graded(out, "bob") == mine
    assert (out / "bob" / A / "data" / "table.csv").read_text() == "1,2\n"
    assert got["bob"].notes == [f"The notebook was submitted as '{name}'; it was graded "
                                "as 'ch01.ipynb'."]


# ------------------------------------------------------------------ flat files

def test_flat_files_keep_the_whole_name_without_the_assignment(tmp_path):
    src = tmp_path / "in"
    smith = _notebook(src / f"john_smith_{A}.ipynb", "smith")
    doe = _notebook(src / f"john_doe-{A}.ipynb", "doe")
    plain = _notebook(src / "carol.ipynb", "carol")
    out = tmp_path / "submitted"
    got = _collect(src, out)
    assert sorted(got) == ["carol", "john_doe", "john_smith"]
    assert (_graded(out, "john_smith"), _graded(out, "john_doe"), _graded(out, "carol")) \
        == (smith, doe, plain)
    assert got["john_doe"].notes == [f"The notebook was submitted as 'john_doe-{A}.ipynb'; "
                                     "it was graded as 'ch01.ipynb'."]


def test_an_lms_zip_of_flat_files_in_a_wrapping_folder(tmp_path):
    src = tmp_path / "in"
    alice = _notebook(src / f"alice_{A}.ipynb", "alice")
    bob = _notebook(src / f"bob_{A}.ipynb", "bob")
    out = tmp_path / "submitted"
    got = _collect(_zip(src, tmp_path / "lms.zip", prefix="ch01 submissions/"), out)
    assert sorted(got) == ["alice", "bob"]
    assert (_graded(out, "alice"), _graded(out, "bob")) == (alice, bob)


# ------------------------------------------------------------------ every layout at once

def test_every_layout_in_one_wrapped_zip(tmp_path):
    src = tmp_path / "in"
    expected = {
        "alice": _notebook(src / "alice" / A / f"{A}.ipynb", "alice"),          # nbgrader
        "bob": _notebook(src / "bob" / f"{A}.ipynb", "bob"),                      # folder
        "carol_12345": _notebook(src / f"carol_12345_{A}.ipynb", "carol"),       # LMS flat
    }
    (src / "bob" / "data").mkdir()
    (src / "bob" / "data" / "table.csv").write_text("1,2\n")
    _notebook(src / "bob" / ".ipynb_checkpoints" / f"{A}-checkpoint.ipynb", "stale")
    archive = _zip(src, tmp_path / "lms.zip", prefix="export/")
    with zipfile.ZipFile(archive, "a") as zf:
        zf.writestr("../escaped.ipynb", "{}")
        zf.writestr("__MACOSX/export/._alice", "resource fork")
    out = tmp_path / "submitted"
    got = _collect(archive, out)
    assert sorted(got) == sorted(expected)
    assert {s: _graded(out, s) for s in expected} == expected
    assert (out / "bob" / A / "data" / "table.csv").read_text() == "1,2\n"
    assert not list(out.rglob("*checkpoint*"))
    assert not (tmp_path / "escaped.ipynb").exists()
    assert [info.source for info in got.values()] == ["alice", "bob",
                                                      f"carol_12345_{A}.ipynb"]


def test_of_several_notebooks_the_one_with_the_course_tests_is_graded(tmp_path):
    src = tmp_path / "in"
    _notebook(src / "dave" / "scratch.ipynb", "scratch")
    work = _notebook(src / "dave" / "attempt.ipynb", "work", test_cell=True)
    _notebook(src / "erin" / "a.ipynb", "a")
    _notebook(src / "erin" / "b.ipynb", "b")
    out = tmp_path / "submitted"
    got = _collect(src, out)
    assert _graded(out, "dave") == work
    assert got["dave"].notes == ["Several notebooks were submitted; 'attempt.ipynb' was "
                                 "graded as 'ch01.ipynb'."]
    assert not (out / "erin" / A / f"{A}.ipynb").exists()
    assert "None of the submitted notebooks (a.ipynb, b.ipynb)" in got["erin"].notes[0]


def test_collecting_again_replaces_each_students_folder_and_leaves_others(tmp_path):
    src = tmp_path / "in"
    _notebook(src / "alice" / f"{A}.ipynb", "first")
    (src / "alice" / "old.txt").write_text("removed later")
    out = tmp_path / "submitted"
    zoe = _notebook(out / "zoe" / A / f"{A}.ipynb", "zoe, from an earlier round")
    _collect(src, out)
    (src / "alice" / "old.txt").unlink()
    second = _notebook(src / "alice" / f"{A}.ipynb", "second")
    _collect(src, out)
    assert _graded(out, "alice") == second
    assert not (out / "alice" / A / "old.txt").exists()
    assert _graded(out, "zoe") == zoe


# ------------------------------------------------------------------ one id, two inputs

def test_two_inputs_with_one_student_id_are_both_collected_loudly(tmp_path):
    src = tmp_path / "in"
    folder = _notebook(src / "alice" / f"{A}.ipynb", "alice's folder")
    flat = _notebook(src / f"alice_{A}.ipynb", "alice's flat file")
    out = tmp_path / "submitted"
    with pytest.warns(CollectionClash) as caught:
        got = collect.collect(src, out, A)
    assert sorted(got) == ["alice", "alice-2"]
    assert (_graded(out, "alice"), _graded(out, "alice-2")) == (folder, flat)
    for info in got.values():
        assert info.clash and info.notes[0] == info.clash
        assert "'alice' and 'alice_ch01.ipynb'" in info.clash
        assert f"collected as '{info.student}'" in info.clash
    [warning] = caught
    text = str(warning.message)
    assert "'alice' and 'alice_ch01.ipynb'" in text and "none was dropped" in text
    assert "'alice' and 'alice-2'" in text


def test_names_that_clean_up_to_one_id_take_a_free_one(tmp_path):
    src = tmp_path / "in"
    spaced = _notebook(src / f"John Smith_{A}.ipynb", "spaced")
    hyphen = _notebook(src / f"John-Smith_{A}.ipynb", "hyphen")
    taken = _notebook(src / f"John-Smith-2_{A}.ipynb", "a learner with this id")
    out = tmp_path / "submitted"
    with pytest.warns(CollectionClash, match="'John-Smith'"):
        got = collect.collect(src, out, A)
    assert sorted(got) == ["John-Smith", "John-Smith-2", "John-Smith-3"]
    assert not got["John-Smith-2"].clash
    assert {_graded(out, s) for s in got} == {spaced, hyphen, taken}
    assert _graded(out, "John-Smith-2") == taken


def test_only_the_students_asked_for_are_collected_and_clashes_still_warn(tmp_path):
    src = tmp_path / "in"
    _notebook(src / "alice" / f"{A}.ipynb", "folder")
    flat = _notebook(src / f"alice_{A}.ipynb", "flat")
    _notebook(src / f"bob_{A}.ipynb", "bob")
    out = tmp_path / "submitted"
    with pytest.warns(CollectionClash):
        got = collect.collect(src, out, A, only={"alice-2"})
    assert sorted(got) == ["alice-2"]
    assert _graded(out, "alice-2") == flat
    assert sorted(p.name for p in out.iterdir()) == ["alice-2"]
