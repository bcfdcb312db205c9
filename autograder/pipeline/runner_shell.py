"""Sandbox side: the IPython shell the runner executes a notebook in, and the capture
of each cell's outputs (text streams, displays, results, errors) as nbformat outputs,
with caps on their size. It behaves like a Jupyter kernel for what notebooks use
(``%matplotlib inline``, ``%config InlineBackend...``, displays, rich results).
"""
from __future__ import annotations

import base64
import io
import json
import sys

MAX_TEXT = 100_000  # characters of stdout/stderr kept per cell; the rest is counted
MAX_OUTPUT_BYTES = 8 << 20   # bytes of rich outputs (images...) kept per cell


class CellOutputs:
    """nbformat outputs of the running cell, with a cap on captured text."""

    def __init__(self):
        self.items: list[dict] = []
        self.text_chars = 0
        self.dropped = 0

    def stream(self, name: str, text: str) -> None:
        room = MAX_TEXT - self.text_chars
        if room <= 0:
            self.dropped += len(text)
            return
        if len(text) > room:
            self.dropped += len(text) - room
            text = text[:room]
        self.text_chars += len(text)
        last = self.items[-1] if self.items else None
        if last and last["output_type"] == "stream" and last["name"] == name:
            last["text"] += text
        else:
            self.items.append({"output_type": "stream", "name": name, "text": text})

    def finish(self) -> list[dict]:
        if self.dropped:
            self.items.append({"output_type": "stream", "name": "stdout", "text":
                               f"\n[output truncated by the grader: {self.dropped} more "
                               "characters]\n"})
        return self.items


class Capture:
    """Where the running cell's outputs go: a fresh :class:`CellOutputs` per cell,
    with ``sys.stdout``/``sys.stderr`` writing into it."""

    def __init__(self):
        self.current = CellOutputs()

    def new_cell(self) -> None:
        self.current = CellOutputs()
        sys.stdout, sys.stderr = CapturedStream("stdout", self), CapturedStream("stderr", self)


class CapturedStream(io.TextIOBase):
    def __init__(self, name: str, capture: Capture):
        self.name = name
        self._capture = capture

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self._capture.current.stream(self.name, text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _jsonable(data: dict) -> dict:
    out = {}
    for mime, value in (data or {}).items():
        if isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            value = str(value)
        out[mime] = value
    return out


def make_shell(capture: Capture):
    """An in-process IPython shell whose display, results and errors become the
    outputs of ``capture``'s current cell."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None,
                    update=False, **kwargs):
            capture.current.items.append({"output_type": "display_data", "data": _jsonable(data),
                                  "metadata": _jsonable(metadata or {})})

        def clear_output(self, wait=False):
            capture.current.items.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            capture.current.items.append({"output_type": "execute_result",
                                  "execution_count": self.shell.execution_count,
                                  "data": _jsonable(format_dict),
                                  "metadata": _jsonable(md_dict or {})})

    class Shell(InteractiveShell):
        def enable_gui(self, gui=None):
            """No GUI event loop in a grader: ``%matplotlib inline`` (and the rest of
            the ``%matplotlib`` family) works as in a headless Jupyter kernel."""

        def _format_exception_for_storage(self, exception, *args, **kwargs):
            # IPython 9 formats every error a second time, for its history, even with
            # history off; nothing here reads it, and it doubled the cost of an error.
            return {"ename": type(exception).__name__, "evalue": str(exception),
                    "traceback": []}

        def _showtraceback(self, etype, evalue, stb):
            capture.current.items.append({"output_type": "error", "ename": etype.__name__,
                                  "evalue": str(evalue), "traceback": list(stb)})

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Context"
    Shell.displayhook_class = Hook
    Shell.display_pub_class = Publisher
    return Shell.instance(config=config)


def register_inline_backend(shell) -> None:
    """What ipykernel does at start: ``%config InlineBackend...`` works before any
    matplotlib import."""
    try:
        from matplotlib_inline.backend_inline import InlineBackend
    except ImportError:
        return
    backend = InlineBackend.instance(parent=shell)
    if backend not in shell.configurables:
        shell.configurables.append(backend)


def cap_outputs(items: list[dict]) -> list[dict]:
    """Drop rich outputs past MAX_OUTPUT_BYTES (a flood of images, say)."""
    kept, size, dropped = [], 0, 0
    for item in items:
        weight = len(json.dumps(item, default=str))
        if item.get("output_type") in ("display_data", "execute_result") \
                and size + weight > MAX_OUTPUT_BYTES:
            dropped += 1
            continue
        size += weight
        kept.append(item)
    if dropped:
        kept.append({"output_type": "stream", "name": "stdout", "text":
                     f"\n[{dropped} more displays dropped by the grader: too large]\n"})
    return kept
