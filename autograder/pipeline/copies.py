"""Cells that appear more than once under one grade id: resolved by what they contain.

Jupyter's copy/paste and "split cell" keep a cell's nbgrader metadata, so an honest
notebook can carry the same grade id on several cells. nbgrader's ``DeduplicateIds``
would empty the earlier copy and the later steps then fail on it (the whole notebook
scores 0). Here, before nbgrader sees the notebook:

- answer cells: the copy that defines most of the graded functions (the top-level
  ``def`` names of the released cell) keeps the metadata; the other copies become the
  learner's own code cells, still run in order (a split answer still defines everything);
- test cells: the copy whose source is the released one stays (else the first); the
  others are removed;
- markdown cells: the first keeps the metadata; the copies stay as the learner's notes;
- other locked code cells: the first keeps the metadata; copies become the learner's code.

``resolve_copies`` is the rule; the pipeline calls it on its own copy of the submission
(``run.inspect``) and ``ResolveCopies`` applies it again inside nbgrader's autograde, from
the gradebook, so the sandbox and nbgrader grade the same notebook.
"""
from __future__ import annotations

import ast
import os
import re

import nbformat
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor


def _grade_id(cell) -> str | None:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta.get("grade_id") if isinstance(meta, dict) else None


def defined_functions(source: str) -> list[str]:
    """Top-level ``def`` names in a cell; a cell that does not parse (a magic, a
    half-finished edit) is read line by line."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return re.findall(r"^(?:async\s+)?def\s+([A-Za-z_]\w*)", source, re.MULTILINE)
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _kind(want: dict | None, cells: list) -> str:
    """'test', 'answer', 'markdown' or 'other', from the released flags (never the
    learner's, which may have been edited) and the cell type of the first copy."""
    meta = want["meta"] if want else {}
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if cells[0].cell_type == "markdown":
        return "markdown"
    if meta.get("solution"):
        return "answer"
    return "other"


def _answer_copy(cells: list, want: dict | None) -> tuple[int, list[str]]:
    """(index in ``cells`` of the copy to grade, graded functions it defines)."""
    wanted = list(dict.fromkeys(defined_functions(want["source"]))) if want else []
    best, best_names = 0, []
    for k, cell in enumerate(cells):
        have = set(defined_functions(cell.source)) if cell.cell_type == "code" else set()
        names = [name for name in wanted if name in have]
        if len(names) > len(best_names):  # ties keep the earlier copy
            best, best_names = k, names
    return best, best_names


def _note(gid: str, kind: str, count: int, names: list[str], locked: bool) -> str:
    seen = f"appeared {count} times"
    if kind == "answer":
        graded = (f"the copy that defines {', '.join(names)}" if names
                  else "the first copy")
        if len(graded) > 80:
            graded = "the copy that defines most of its functions"
        return (f"The answer cell '{gid}' {seen} (a copied or split cell); {graded} was "
                "graded and the others ran as your own code.")
    if kind == "test":
        return (f"The test cell '{gid}' {seen} (a copied cell); it was graded once and "
                "the copies were removed.")
    if kind == "markdown":
        return (f"The cell '{gid}' {seen} (a copied cell); the first is the course's cell "
                "and the others were kept as your notes.")
    what = "locked cell" if locked else "cell"
    return (f"The {what} '{gid}' {seen} (a copied cell); the first is the course's cell "
            "and the others ran as your own code.")


def resolve_copies(nb, release: dict) -> list[str]:
    """Leave one cell per grade id in ``nb`` (edited in place); return a note for the
    learner per grade id that had copies.

    ``release``: {grade_id: {"source": str, "meta": dict, "locked": bool}}, the released
    notebook's nbgrader cells (``inspection.release_notebook_cells`` or ``release_cells``).
    """
    groups: dict[str, list] = {}
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid:
            groups.setdefault(str(gid), []).append(cell)
    notes, drop = [], set()
    for gid, cells in groups.items():
        if len(cells) < 2:
            continue
        want = release.get(gid)
        kind = _kind(want, cells)
        names: list[str] = []
        if kind == "answer":
            keep, names = _answer_copy(cells, want)
        elif kind == "test":
            source = want["source"].strip()
            keep = next((k for k, c in enumerate(cells) if c.source.strip() == source), 0)
        else:
            keep = 0
        for k, cell in enumerate(cells):
            if k == keep:
                continue
            if kind == "test":
                drop.add(id(cell))
            else:
                del cell.metadata["nbgrader"]
        notes.append(_note(gid, kind, len(cells), names, bool(want and want["locked"])))
    if drop:
        nb.cells = [cell for cell in nb.cells if id(cell) not in drop]
    return notes


_RELEASE_CACHE: dict[tuple, dict] = {}


def release_cells(resources, config=None) -> dict[str, dict]:
    """The released notebook's nbgrader cells, shaped as ``resolve_copies`` wants them
    (plus "cell_type"), from the gradebook that nbgrader's ``resources`` name. Hidden
    tests are cleared from the stored sources (with ``config``'s delimiters), as
    generate_assignment cleared them from the release. Cached per gradebook version."""
    nbg = resources["nbgrader"]
    clear = ClearHiddenTests(config=config)
    path = nbg["db_url"].replace("sqlite:///", "", 1)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        stamp = None
    key = (nbg["db_url"], stamp, nbg["notebook"], nbg["assignment"],
           clear.begin_test_delimeter, clear.end_test_delimeter)
    if key in _RELEASE_CACHE:
        return _RELEASE_CACHE[key]
    with Gradebook(nbg["db_url"]) as gb:
        notebook = gb.find_notebook(nbg["notebook"], nbg["assignment"])
        grade = {c.name: float(c.max_score) for c in notebook.grade_cells}
        solution = {c.name for c in notebook.solution_cells}
        task = {c.name: float(c.max_score) for c in notebook.task_cells}
        stored = [(c.name, c.cell_type, bool(c.locked), c.source or "")
                  for c in notebook.source_cells]
    out = {}
    for name, cell_type, locked, source in stored:
        meta = {"grade_id": name, "grade": name in grade, "solution": name in solution,
                "task": name in task, "locked": locked}
        if name in grade or name in task:
            meta["points"] = grade.get(name, task.get(name))
        if name in grade:
            cell = nbformat.v4.new_code_cell(source)
            clear._remove_hidden_test_region(cell)
            source = cell.source
        out[name] = {"source": source, "meta": meta, "locked": locked,
                     "cell_type": cell_type}
    _RELEASE_CACHE[key] = out
    return out


class ResolveCopies(NbGraderPreprocessor):
    """``resolve_copies`` inside nbgrader's autograde (first of the sanitising steps,
    before ``DeduplicateIds``), with the released cells read from the gradebook."""

    def preprocess(self, nb, resources):
        for note in resolve_copies(nb, release_cells(resources, self.config)):
            self.log.info(note)
        return nb, resources
