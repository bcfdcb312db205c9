"""Reference implementations, loaded from the solution notebooks in ``solutions/``.

The solution notebook of a chapter is the one source of truth for its reference code.
``load("ch01")`` executes that notebook's code cells that belong to the implementation
(nbgrader "autograded answer" cells, plus code cells tagged ``reference`` such as the
imports) into a fresh module. Hidden tests, book figures and benchmarks all use it.

Which notebook is read is decided at every call: ``solutions`` if given, else the folder
of the innermost ``with using(folder):`` (how the grading pipeline points at its course
root without touching ``os.environ``), else ``RNNCOURSE_SOLUTIONS``, else the
repository's ``solutions/``. Loaded modules are kept
per notebook file and its modification time, so another folder or an edited notebook
gives a fresh module.
"""
from __future__ import annotations

import contextlib
import contextvars
import os
import re
import threading
import types
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
_MARKER = re.compile(r"^\s*###\s*(BEGIN|END)\s+SOLUTION\s*$")


_ACTIVE: contextvars.ContextVar[Path | None] = contextvars.ContextVar(
    "rnncourse_solutions", default=None)


@contextlib.contextmanager
def using(solutions: Path | str):
    """Within the block, :func:`load` and friends read ``solutions`` (in this thread or
    task only; the caller's environment is left alone)."""
    token = _ACTIVE.set(Path(solutions))
    try:
        yield Path(solutions)
    finally:
        _ACTIVE.reset(token)


def solutions_dir(solutions: Path | str | None = None) -> Path:
    """Folder holding the solution notebooks: ``solutions`` if given, else the one
    :func:`using` is in force for, else ``RNNCOURSE_SOLUTIONS``, else the repository's
    ``solutions/``."""
    if solutions is not None:
        return Path(solutions)
    active = _ACTIVE.get()
    if active is not None:
        return active
    return Path(os.environ.get("RNNCOURSE_SOLUTIONS", REPO / "solutions"))


def notebook_path(chapter: str, solutions: Path | str | None = None) -> Path:
    return solutions_dir(solutions) / chapter / f"{chapter}.ipynb"


def is_reference_cell(cell: dict) -> bool:
    """True for code cells that make up the chapter's reference implementation."""
    if cell.get("cell_type") != "code":
        return False
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {})
    if nbg.get("solution") and not nbg.get("grade"):
        return True
    return "reference" in meta.get("tags", [])


def without_magics(source: str, where: str = "a reference cell") -> str:
    """``source`` with its IPython-only lines (``%matplotlib inline``, ``!pip ...``,
    ``x = !ls``, ``name?``) turned into ``pass`` with the line kept as a comment; every
    other line, such as a continuation line that starts with ``%``, is left as written.

    IPython's own input transformers decide what is a magic: a line they rewrite is
    one. A cell magic (``%%time``) turns the whole cell into one call, so it is refused:
    a reference cell must be Python."""
    from IPython.core.inputtransformer2 import TransformerManager
    manager = TransformerManager()
    manager.cleanup_transforms = []  # prompts and indentation: leave the lines as written
    lines = source.splitlines()
    transformed = manager.transform_cell(source).splitlines()
    if len(transformed) != len(lines):
        first = next((ln.strip() for ln in lines if ln.strip()), "")
        raise ValueError(f"{where} is not plain Python: IPython reads it as a cell magic "
                         f"or a magic continued over several lines (it starts {first!r}). "
                         "Move the magic to a cell that is not part of the reference.")
    out = []
    for line, python in zip(lines, transformed):
        if line == python:
            out.append(line)
        else:
            indent = line[:len(line) - len(line.lstrip())]
            out.append(f"{indent}pass  # IPython only, not run here: {line.strip()}")
    return "\n".join(out)


def _stamp(chapter: str, solutions: Path | str | None) -> tuple[Path, int, int]:
    """The notebook's resolved path, modification time and size (what the caches key
    on), or FileNotFoundError saying where the solutions were looked for."""
    path = notebook_path(chapter, solutions).resolve()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(
            f"The reference solutions for {chapter} are not here ({path}). Hidden tests "
            "and book figures need the instructor's copy of the course repository."
        ) from None
    return path, stat.st_mtime_ns, stat.st_size


def _source(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    chunks = []
    for number, cell in enumerate(nb.cells, start=1):
        if is_reference_cell(cell):
            lines = [ln for ln in cell.source.splitlines() if not _MARKER.match(ln)]
            chunks.append(without_magics("\n".join(lines), f"{path}, cell {number},"))
    return "\n\n".join(chunks) + "\n"


_LOCK = threading.Lock()
_SOURCES: dict[Path, tuple[tuple[int, int], str]] = {}
_MODULES: dict[Path, tuple[tuple[int, int], types.ModuleType]] = {}


def reference_source(chapter: str, solutions: Path | str | None = None) -> str:
    """The Python source of a chapter's reference implementation, markers removed."""
    path, mtime, size = _stamp(chapter, solutions)
    with _LOCK:
        cached = _SOURCES.get(path)
        if cached is not None and cached[0] == (mtime, size):
            return cached[1]
    source = _source(path)
    with _LOCK:
        _SOURCES[path] = ((mtime, size), source)
    return source


def load(chapter: str, solutions: Path | str | None = None) -> types.ModuleType:
    """Execute the chapter's reference cells into a module and return it (the same
    module again while the notebook file is unchanged)."""
    path, mtime, size = _stamp(chapter, solutions)
    with _LOCK:
        cached = _MODULES.get(path)
        if cached is not None and cached[0] == (mtime, size):
            return cached[1]
    module = types.ModuleType(f"reference_{chapter}")
    module.__file__ = str(path)
    exec(compile(reference_source(chapter, solutions), str(path), "exec"), module.__dict__)
    with _LOCK:
        _MODULES[path] = ((mtime, size), module)
    return module


def _forget_loaded() -> None:
    """Drop every kept source and module (the next load reads the notebooks again)."""
    with _LOCK:
        _SOURCES.clear()
        _MODULES.clear()


load.cache_clear = _forget_loaded  # the name functools.lru_cache gave it before
