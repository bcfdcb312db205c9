"""Helpers for writing nbgrader source notebooks from Python (used when authoring a
chapter; the notebook in solutions/ is the source of truth afterwards).

    from tools.nbcells import md, code, answer, tests, write
    write("solutions/ch01/ch01.ipynb", [md("# Title"), answer("f", "def f(): ..."), ...])
"""
from __future__ import annotations

import nbformat


def _meta(**nbgrader):
    return {"nbgrader": {"schema_version": 3, "task": False, **nbgrader}}


def md(text: str, *, cell_id: str | None = None):
    """A read-only markdown cell."""
    cell = nbformat.v4.new_markdown_cell(text.strip("\n"))
    if cell_id:
        cell.metadata.update(_meta(grade=False, solution=False, locked=True,
                                   grade_id=cell_id))
    return cell


def code(source: str, *, tags=(), cell_id: str | None = None):
    """A code cell; with ``cell_id`` it is locked (learners cannot edit it)."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    if tags:
        cell.metadata["tags"] = list(tags)
    if cell_id:
        cell.metadata.update(_meta(grade=False, solution=False, locked=True,
                                   grade_id=cell_id))
    return cell


def answer(grade_id: str, source: str):
    """An autograded-answer cell: the learner's region is between the solution markers."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.metadata.update(_meta(grade=False, solution=True, locked=False,
                               grade_id=grade_id))
    return cell


def tests(grade_id: str, points: int, source: str):
    """An autograder-tests cell worth ``points``; hidden tests go between markers."""
    cell = nbformat.v4.new_code_cell(source.strip("\n"))
    cell.metadata.update(_meta(grade=True, solution=False, locked=True,
                               grade_id=grade_id, points=points))
    return cell


def write(path: str, cells, *, title: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata.update({
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
        "title": title,
    })
    nbformat.validate(nb)
    nbformat.write(nb, path)
