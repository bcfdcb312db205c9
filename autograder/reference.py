"""Reference implementations, loaded from the solution notebooks in ``solutions/``.

The solution notebook of a chapter is the one source of truth for its reference code.
``load("ch01")`` executes that notebook's code cells that belong to the implementation
(nbgrader "autograded answer" cells, plus code cells tagged ``reference`` such as the
imports) into a fresh module. Hidden tests, book figures and benchmarks all use it.
"""
from __future__ import annotations

import functools
import json
import os
import re
import types
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
_MARKER = re.compile(r"^\s*###\s*(BEGIN|END)\s+SOLUTION\s*$")


def solutions_dir() -> Path:
    """Folder holding the solution notebooks (``RNNCOURSE_SOLUTIONS`` overrides it)."""
    return Path(os.environ.get("RNNCOURSE_SOLUTIONS", REPO / "solutions"))


def notebook_path(chapter: str) -> Path:
    return solutions_dir() / chapter / f"{chapter}.ipynb"


def is_reference_cell(cell: dict) -> bool:
    """True for code cells that make up the chapter's reference implementation."""
    if cell.get("cell_type") != "code":
        return False
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {})
    if nbg.get("solution") and not nbg.get("grade"):
        return True
    return "reference" in meta.get("tags", [])


def reference_source(chapter: str) -> str:
    """The Python source of a chapter's reference implementation, markers removed."""
    path = notebook_path(chapter)
    if not path.exists():
        raise FileNotFoundError(
            f"The reference solutions for {chapter} are not here ({path}). Hidden tests "
            "and book figures need the instructor's copy of the course repository.")
    nb = json.loads(path.read_text(encoding="utf-8"))
    chunks = []
    for cell in nb["cells"]:
        if is_reference_cell(cell):
            src = cell["source"]
            src = "".join(src) if isinstance(src, list) else src
            lines = [ln for ln in src.splitlines() if not _MARKER.match(ln)]
            chunks.append("\n".join(ln for ln in lines if not ln.lstrip().startswith("%")))
    return "\n\n".join(chunks) + "\n"


@functools.lru_cache(maxsize=None)
def load(chapter: str) -> types.ModuleType:
    """Execute the chapter's reference cells into a module and return it."""
    module = types.ModuleType(f"reference_{chapter}")
    module.__file__ = str(notebook_path(chapter))
    code = compile(reference_source(chapter), str(notebook_path(chapter)), "exec")
    exec(code, module.__dict__)
    return module
