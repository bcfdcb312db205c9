"""The reference loader (``autograder.reference``): which solutions folder it reads is
decided at every call and never hidden in a cache, an edited notebook is read again,
and IPython-only lines are neutralised by IPython's own transformers while Python (such
as a continuation line starting with ``%``) stays as written. Fast tier."""
from __future__ import annotations

import os

import nbformat
import pytest

from autograder import reference


def _solutions(folder, chapter: str, *sources: str):
    """A solutions folder whose chapter notebook has one reference cell per source."""
    nb = nbformat.v4.new_notebook()
    for k, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source)
        cell.metadata["nbgrader"] = {"solution": True, "grade": False,
                                     "grade_id": f"answer_{k}", "locked": False,
                                     "schema_version": 3}
        nb.cells.append(cell)
    nb.cells.append(nbformat.v4.new_code_cell("NOT_REFERENCE = True"))  # no metadata
    path = folder / chapter / f"{chapter}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_the_solutions_folder_is_read_from_the_environment_at_every_call(
        tmp_path, monkeypatch):
    _solutions(tmp_path / "first", "ch99", "ANSWER = 'first'")
    _solutions(tmp_path / "second", "ch99", "ANSWER = 'second'")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path / "first"))
    first = reference.load("ch99")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path / "second"))
    second = reference.load("ch99")
    assert (first.ANSWER, second.ANSWER) == ("first", "second")
    assert second.__file__ == str((tmp_path / "second" / "ch99" / "ch99.ipynb").resolve())
    assert not hasattr(first, "NOT_REFERENCE")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path / "first"))
    assert reference.load("ch99") is first, "an unchanged notebook is not executed again"


def test_an_explicit_solutions_folder_wins_over_the_environment(tmp_path, monkeypatch):
    _solutions(tmp_path / "env", "ch99", "ANSWER = 'env'")
    _solutions(tmp_path / "given", "ch99", "ANSWER = 'given'")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path / "env"))
    assert reference.load("ch99", solutions=tmp_path / "given").ANSWER == "given"
    assert "'given'" in reference.reference_source("ch99", tmp_path / "given")
    assert reference.load("ch99").ANSWER == "env"


def test_using_puts_a_folder_in_force_for_a_block_only(tmp_path, monkeypatch):
    """How the grading pipeline points at its course root: no environment change, the
    block's folder wins over the environment, blocks nest, and the folder in force
    before is back after (an exception included)."""
    for name in ("env", "outer", "inner"):
        _solutions(tmp_path / name, "ch99", f"ANSWER = {name!r}")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path / "env"))
    before = dict(os.environ)
    with reference.using(tmp_path / "outer"):
        assert reference.load("ch99").ANSWER == "outer"
        with pytest.raises(RuntimeError):
            with reference.using(tmp_path / "inner"):
                assert reference.load("ch99").ANSWER == "inner"
                raise RuntimeError("leave the block")
        assert reference.load("ch99").ANSWER == "outer"
        assert reference.load("ch99", solutions=tmp_path / "inner").ANSWER == "inner"
    assert reference.load("ch99").ANSWER == "env" and dict(os.environ) == before


def test_an_edited_notebook_is_loaded_again(tmp_path, monkeypatch):
    path = _solutions(tmp_path, "ch99", "ANSWER = 1")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path))
    before = reference.load("ch99")
    stat = path.stat()
    _solutions(tmp_path, "ch99", "ANSWER = 2")
    # a later modification time, whatever the file system's clock resolution
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    after = reference.load("ch99")
    assert (before.ANSWER, after.ANSWER) == (1, 2)


def test_magics_are_neutralised_and_python_stays_python(tmp_path, monkeypatch):
    cell = (
        "%matplotlib inline\n"
        "!echo this must not run\n"
        "listing = !ls\n"
        "### BEGIN SOLUTION\n"
        "def remainder(value):\n"
        "    if value < 0:\n"
        "        %time value = -value\n"
        "    result = (value\n"
        "              % 7)\n"
        "    return result\n"
        "### END SOLUTION\n"
        "AFTER = remainder(23)\n")
    _solutions(tmp_path, "ch99", "import math", cell)
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path))
    source = reference.reference_source("ch99")
    assert "pass  # IPython only, not run here: %matplotlib inline" in source
    assert "pass  # IPython only, not run here: !echo this must not run" in source
    assert "        pass  # IPython only, not run here: %time value = -value" in source
    assert "              % 7)" in source, "a continuation line starting with % is Python"
    assert "BEGIN SOLUTION" not in source
    module = reference.load("ch99")
    assert module.AFTER == 23 % 7
    assert module.remainder(-9) == (-9) % 7  # the magic in the branch is a no-op now
    assert not hasattr(module, "listing")


def test_a_cell_magic_in_a_reference_cell_is_refused(tmp_path, monkeypatch):
    _solutions(tmp_path, "ch99", "%%time\nANSWER = 1\n")
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path))
    with pytest.raises(ValueError, match=r"cell 1, is not plain Python.*%%time"):
        reference.load("ch99")


def test_missing_solutions_say_where_they_were_looked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="nowhere"):
        reference.load("ch01")


def test_the_course_references_load_once():
    first = reference.load("ch01")
    assert callable(first.rnn_forward)
    assert reference.load("ch01") is first
    reference.load.cache_clear()
    assert reference.load("ch01") is not first
