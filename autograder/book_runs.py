"""The book's build-time experiments, run once and kept on disk by what produced them.

A page's code cells are cached by the book build itself (jupyter-cache), but only as a
whole page: change one label of a figure and every training run on the page runs again,
and an edition in another language (whose figures have other labels) would run them all a
second time. :func:`cached` keeps the *results* of an experiment apart from its plotting::

    result = cached("adding-vs-T", adding_vs_T, T_values=(10, 50, 100), seed=0,
                    depends=("ch03", "ch04"))

The key is the experiment's name, the source of ``fn``, its arguments, the code of the
reference chapters it names in ``depends`` (the solution notebooks' code cells), the
course's corpora and numpy's version. Any change to one of those runs it again; anything
else (prose, captions, labels, the language of the edition) reuses the stored result.

Results live in ``_build/.book_runs/`` as pickles written by this module for this
checkout's own build (never read from anywhere else). ``RNNCOURSE_BOOK_RUNS=off`` runs
every experiment afresh without reading or writing the store;
``RNNCOURSE_BOOK_RUNS=/some/folder`` keeps the store there instead (the benchmark's cold
build of a copy of the course uses an empty one).
"""
from __future__ import annotations

import hashlib
import inspect
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from autograder.reference import REPO, notebook_path

STORE = REPO / "_build" / ".book_runs"


def _source(fn: Callable) -> str:
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):  # defined where no source is kept: hash its bytecode
        code = fn.__code__
        return repr((code.co_code, code.co_consts, code.co_names))


def _chapter_code(chapter: str) -> str:
    nb = json.loads(notebook_path(chapter).read_text(encoding="utf-8"))
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")


def _corpora() -> Iterable[bytes]:
    folder = REPO / "kit" / "rnnkit" / "corpora"
    for path in sorted(folder.glob("*.txt")):
        yield path.name.encode() + hashlib.sha256(path.read_bytes()).digest()


def key(name: str, fn: Callable, args: tuple, kwargs: dict,
        depends: Iterable[str] = ()) -> str:
    """The hex digest that names one stored result."""
    h = hashlib.sha256()
    for part in (name, _source(fn), repr(args), repr(sorted(kwargs.items())),
                 np.__version__):
        h.update(part.encode())
        h.update(b"\0")
    for chapter in sorted(depends):
        h.update(_chapter_code(chapter).encode())
    for part in _corpora():
        h.update(part)
    return h.hexdigest()


def cached(name: str, fn: Callable[..., Any], *args: Any,
           depends: Iterable[str] = (), **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, from the store if this exact experiment ran before."""
    setting = os.environ.get("RNNCOURSE_BOOK_RUNS", "")
    if setting.lower() == "off":
        return fn(*args, **kwargs)
    store = Path(setting) if setting else STORE
    digest = key(name, fn, args, kwargs, depends)
    path = store / f"{name}-{digest[:20]}.pkl"
    if path.exists():
        with path.open("rb") as f:
            return pickle.load(f)
    result = fn(*args, **kwargs)
    store.mkdir(parents=True, exist_ok=True)
    # Written whole or not at all: two builds at once never read half a file.
    fd, tmp = tempfile.mkstemp(dir=store, prefix=f".{name}-", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return result
