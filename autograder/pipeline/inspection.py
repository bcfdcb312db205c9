"""Inspection: read one submitted notebook, reject what is not a notebook of this
assignment, say what nbgrader will repair, and sanitise it as nbgrader will.

Runs in a worker process, before anything of the learner's runs.
"""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import nbformat
from nbgrader import utils

from autograder.pipeline import nbgrader_steps as steps
from autograder.pipeline.copies import resolve_copies


@dataclasses.dataclass
class Prepared:
    student: str
    notes: list[str]
    notebook: object | None = None   # sanitised NotebookNode
    rejected: str = ""


def _grade_ids(nb: dict) -> list[str]:
    out = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and meta.get("grade_id"):
            out.append(str(meta["grade_id"]))
    return out


def _other_assignments(root: Path, assignment: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        if path.parent.name != assignment:
            try:
                found[path.parent.name] = set(_grade_ids(json.loads(path.read_text())))
            except (OSError, ValueError):
                pass
    return found


def inspect(path: Path, root: Path, cfg, assignment: str, release: dict, url: str
            ) -> Prepared:
    """Read a submitted notebook and say what is wrong with it (Prepared.rejected) or
    what nbgrader will repair (Prepared.notes); sanitise it as nbgrader will."""
    student = path.parent.parent.name
    prep = Prepared(student, [])
    if not path.exists():
        prep.rejected = f"No notebook named '{assignment}.ipynb' was submitted."
        return prep
    raw = path.read_bytes()
    if not raw.strip():
        prep.rejected = f"'{path.name}' is an empty file, not a notebook."
        return prep
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        prep.rejected = (f"'{path.name}' is not a valid notebook: it is not valid JSON "
                         f"({str(exc)[:200]}). Was it saved correctly?")
        return prep
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 -- any unreadable notebook
        prep.rejected = f"'{path.name}' is not a Jupyter notebook ({str(exc)[:200]})."
        return prep
    ids = _grade_ids(data)
    graded_or_answer = {gid for gid, cell in release.items()
                        if cell["meta"].get("grade") or cell["meta"].get("solution")}
    if not set(ids) & graded_or_answer:
        others = [name for name, theirs in _other_assignments(root, assignment).items()
                  if set(ids) & theirs]
        prep.rejected = (f"This is not the {assignment} notebook: none of its cells belong "
                         f"to {assignment}"
                         + (f" (it looks like the notebook of {', '.join(others)})" if others
                            else "") + ". Submit the notebook of this assignment.")
        return prep
    prep.notes += resolve_copies(nb, release)  # before nbgrader's DeduplicateIds
    prep.notes += _repairs(nb, release)
    try:
        prep.notebook = steps.sanitize(nb, cfg, assignment, student, url, list(release))
    except Exception as exc:  # noqa: BLE001
        prep.rejected = f"nbgrader could not read the notebook's cell metadata ({exc})."
    return prep


def _repairs(nb, release: dict) -> list[str]:
    """What nbgrader will undo in this notebook, in words for the learner."""
    notes = []
    seen = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid not in release:
            continue
        seen.append(gid)
        want = release[gid]
        changed = [k for k in ("grade", "solution", "locked", "points")
                   if meta.get(k, want["meta"].get(k)) != want["meta"].get(k)]
        if changed:
            notes.append(f"The nbgrader metadata of cell '{gid}' was changed "
                         f"({', '.join(changed)}); the original was restored.")
        if want["locked"] and cell.source.strip() != want["source"].strip():
            notes.append(f"The locked cell '{gid}' was edited; the original was restored.")
    for gid, want in release.items():
        if want["meta"].get("grade") and gid not in seen:
            notes.append(f"The test cell '{gid}' was missing; it was put back.")
    order = [g for g in release if g in seen]
    if [g for g in seen if g in release and seen.count(g) == 1] != \
            [g for g in order if seen.count(g) == 1]:
        notes.append("Cells were moved; the notebook was graded in the original order.")
    return notes


def release_notebook_cells(root: Path, assignment: str) -> dict[str, dict]:
    """grade id -> {"source", "meta", "locked"} of every nbgrader cell of the released
    notebook (as ``generate_assignment`` wrote it into the scratch folder)."""
    path = root / steps.SCRATCH / "release" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            out[meta["grade_id"]] = {"source": cell.source, "meta": dict(meta),
                                     "locked": utils.is_locked(cell)}
    return out
