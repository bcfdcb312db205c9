"""Repairs nbgrader's sanitising pass gets from the pipeline: what a learner changed in
the notebook's nbgrader structure, put back as the source has it, before nbgrader's own
steps read it (``nbgrader_steps.SANITIZE``). ``copies.ResolveCopies`` resolves copied
and split cells; here:

- ``RestoreCellMetadata``: edited nbgrader metadata (grade, solution, locked, points)
  of known cells is restored from the gradebook;
- ``Canonicalise``: moved nbgrader cells go back to the source order, other cells
  travelling with the nbgrader cell above them.

``inspection._repairs`` tells the learner about each of them, in words.
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from autograder.pipeline.copies import release_cells


def _source_cells(resources) -> tuple[list, dict]:
    """(source cells in notebook order, {grade_id: nbgrader flags}) from the gradebook
    (read once per gradebook file version by ``copies.release_cells``).

    nbgrader stores no cell order: a query returns rows in whatever order the database
    likes (SQLite happens to give insertion order, PostgreSQL does not once rows were
    updated). The order is the released notebook's, ``resources["nbgrader"]["cell_order"]``
    (``nbgrader_steps.sanitize``); cells it does not name come last."""
    cells = release_cells(resources)
    order = resources["nbgrader"].get("cell_order")
    if order:
        rank = {name: i for i, name in enumerate(order)}
        cells = dict(sorted(cells.items(), key=lambda item: rank.get(item[0], len(rank))))
    flags = {name: {"grade": c["meta"]["grade"], "solution": c["meta"]["solution"],
                    "task": c["meta"]["task"], "locked": c["locked"],
                    "cell_type": c["cell_type"], "points": c["meta"].get("points")}
             for name, c in cells.items()}
    return list(cells), flags


class RestoreCellMetadata(NbGraderPreprocessor):
    """Undo a learner's edits to the nbgrader metadata of known cells (grade, solution,
    locked, points), so nbgrader treats every cell as the source says."""

    def preprocess(self, nb, resources):
        _, flags = _source_cells(resources)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            grade_id = (meta or {}).get("grade_id")
            if grade_id not in flags:
                continue
            want = flags[grade_id]
            meta["grade"] = want["grade"]
            meta["solution"] = want["solution"]
            meta["task"] = want["task"]
            meta["locked"] = want["locked"] or want["grade"] and not want["solution"]
            if want["points"] is not None:
                meta["points"] = want["points"]
            else:
                meta.pop("points", None)
        return nb, resources


class Canonicalise(NbGraderPreprocessor):
    """Put nbgrader cells back in the source order; other cells stay with the nbgrader
    cell above them (cells before the first one stay first)."""

    def preprocess(self, nb, resources):
        order, _ = _source_cells(resources)
        rank = {name: i for i, name in enumerate(order)}
        groups: list[tuple[float, list]] = [(-1.0, [])]
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in rank:
                groups.append((float(rank[grade_id]), [cell]))
            else:
                groups[-1][1].append(cell)
        ordered = sorted(groups, key=lambda g: g[0])  # stable: equal keys keep order
        nb.cells = [cell for _, cells in ordered for cell in cells]
        return nb, resources
