"""Sandbox side: run a notebook's code cells in one IPython shell and report each cell.

This is the only part of the grading pipeline that shares a process with learner code,
so nothing it says is trusted for grades: it executes, captures outputs for the
feedback, and sends out the recordings that ``check`` writes (record mode). It holds no
secret: the cells arrive one at a time over the job pipe (``RNNCOURSE_JOB_FD``), the
next only after the previous one is reported, and graded test cells arrive with their
hidden part as data (the ``check``/``gradcheck`` calls to make), not as source. A
canary cell arrives with the one-time token it must answer with.

Events go out, one JSON object a line, on the file descriptor named by
``RNNCOURSE_PROTOCOL_FD``; the parent (``autograder.pipeline.execute``) reads them with
size limits:

    {"ev": "ready"}
    {"ev": "start", "i": 7}
    {"ev": "done", "i": 7, "count": 3, "outputs": [...], "records": [[name, b64]], ...}
    {"ev": "end"}

A cell that never reports "done" (the process died, or the parent killed it at the
time limit) is the parent's business: it restarts the notebook without that cell.

The runner works in a sized tmpfs (``/grading`` in the sandbox): it copies the
submitted files there from a read-only bind, runs with that folder as the current
directory and on ``sys.path`` (as Jupyter does), and keeps the recordings under
``/grading/rec``. Nothing it writes is ever read back by the host from disk.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import resource
import shutil
import stat
import sys
import time
from pathlib import Path

MAX_TEXT = 100_000  # characters of stdout/stderr kept per cell; the rest is counted
MAX_CELL_RECORDS = 24 << 20  # bytes of recordings sent per cell
MAX_OUTPUT_BYTES = 8 << 20   # bytes of rich outputs (images...) kept per cell
RECORD_NAME = re.compile(r"^[A-Za-z0-9_.=\-]{1,240}\.(json|npz)$")


class Protocol:
    def __init__(self, fd: int):
        os.set_inheritable(fd, False)  # subprocesses of learner code do not get it
        self._fd = fd

    def send(self, **event) -> None:
        data = (json.dumps(event, default=str) + "\n").encode()
        while data:
            written = os.write(self._fd, data)
            data = data[written:]


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


CURRENT = CellOutputs()


class CapturedStream(io.TextIOBase):
    def __init__(self, name: str):
        self.name = name

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        CURRENT.stream(self.name, text)
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


def make_shell():
    """An in-process IPython shell whose display, results and errors become outputs."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None,
                    update=False, **kwargs):
            CURRENT.items.append({"output_type": "display_data", "data": _jsonable(data),
                                  "metadata": _jsonable(metadata or {})})

        def clear_output(self, wait=False):
            CURRENT.items.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            CURRENT.items.append({"output_type": "execute_result",
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
            CURRENT.items.append({"output_type": "error", "ename": etype.__name__,
                                  "evalue": str(evalue), "traceback": list(stb)})

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "nocolor"
    config.InteractiveShell.xmode = "Context"
    Shell.displayhook_class = Hook
    Shell.display_pub_class = Publisher
    return Shell.instance(config=config)


def _register_inline_backend(shell) -> None:
    """What ipykernel does at start: ``%config InlineBackend...`` works before any
    matplotlib import."""
    try:
        from matplotlib_inline.backend_inline import InlineBackend
    except ImportError:
        return
    backend = InlineBackend.instance(parent=shell)
    if backend not in shell.configurables:
        shell.configurables.append(backend)


def _limit_resources(memory_mb: int, file_mb: int) -> None:
    for limit, value in ((resource.RLIMIT_AS, memory_mb << 20),
                         (resource.RLIMIT_FSIZE, file_mb << 20),
                         (resource.RLIMIT_CORE, 0)):
        soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def _collect_records(incoming: Path) -> tuple[list, str]:
    """The recordings ``check`` wrote during the last cell, as [[name, base64]], read
    without following links, and removed. Second item: what was refused, in words."""
    records, refused, total = [], "", 0
    try:
        entries = list(os.scandir(incoming))
    except OSError:
        return [], ""
    for entry in entries:
        ok = RECORD_NAME.match(entry.name) and entry.is_file(follow_symlinks=False)
        data = b""
        if ok:
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
                try:
                    info = os.fstat(fd)
                    if stat.S_ISREG(info.st_mode) and total + info.st_size <= MAX_CELL_RECORDS:
                        data = os.read(fd, info.st_size + 1)
                        while len(data) < info.st_size:
                            more = os.read(fd, info.st_size - len(data) + 1)
                            if not more:
                                break
                            data += more
                    else:
                        ok = False
                finally:
                    os.close(fd)
            except OSError:
                ok = False
        if ok and total + len(data) <= MAX_CELL_RECORDS:
            total += len(data)
            records.append([entry.name, base64.b64encode(data).decode("ascii")])
        else:
            refused = "recorded outputs that are not plain files or are too large"
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
        except OSError:
            pass
    return records, refused


def _hidden_call(shell, call: dict) -> None:
    """One ``check``/``gradcheck`` call of a hidden test, made as the cell would make
    it: the function is looked up in the notebook's namespace."""
    func = shell.user_ns.get(call["fn"])
    if func is None:
        raise NameError(f"name '{call['fn']}' is not defined")
    import ast
    func(call["name"], shell.user_ns, **ast.literal_eval(call["kwargs"]))


def _run_hidden(shell, calls: list | None) -> bool:
    """Make a hidden block's calls in order, stopping at the first error (shown as the
    cell's error, as in Jupyter). True if one failed. Nothing of them stays referenced."""
    try:
        while calls:
            try:
                _hidden_call(shell, calls.pop(0))
            except Exception:  # noqa: BLE001 -- the learner's error, shown in the cell
                shell.showtraceback()
                return True
        return False
    finally:
        if calls:
            calls.clear()


def _cap_outputs(items: list[dict]) -> list[dict]:
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


def _read_message(job) -> dict:
    line = job.readline()
    if not line:
        return {"end": True}
    return json.loads(line)


def main() -> int:
    job = os.fdopen(int(os.environ.pop("RNNCOURSE_JOB_FD")), "rb")
    os.set_inheritable(job.fileno(), False)
    proto = Protocol(int(os.environ.pop("RNNCOURSE_PROTOCOL_FD")))
    header = _read_message(job)
    _limit_resources(header["memory_mb"], header["file_mb"])

    base = Path(header["base"])
    work, home = base / "sub", base / "home"
    incoming = base / "rec" / "incoming"
    for folder in (work, home, incoming):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(header["submission"], work, dirs_exist_ok=True)
    os.chdir(work)
    sys.path.insert(1, "")  # the notebook's folder is importable, as in Jupyter
    os.environ["RNNCOURSE_RECORD_DIR"] = str(incoming)

    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CapturedStream("stdout"), CapturedStream("stderr")
    shell = make_shell()
    if header.get("inline_backend"):  # costs a matplotlib import: only when used
        _register_inline_backend(shell)
    import importlib
    import numpy  # noqa: F401 -- imported before learner code, so the baseline has it
    try:  # the chapter's cases in the baseline too, when the chapter has any
        importlib.import_module(f"rnnkit.cases.{header['chapter']}")
    except ImportError:
        pass
    from autograder.pipeline import canary
    canary.arm(shell, header["chapter"])
    del header

    global CURRENT
    proto.send(ev="ready")
    while True:
        cell = _read_message(job)
        if cell.get("end"):
            break
        index = cell["i"]
        proto.send(ev="start", i=index)
        CURRENT = CellOutputs()
        sys.stdout, sys.stderr = CapturedStream("stdout"), CapturedStream("stderr")
        if cell.get("nonce"):
            canary.expect(cell["nonce"])
        started = time.monotonic()
        result = shell.run_cell(cell["source"], store_history=True)
        failed = _run_hidden(shell, cell.pop("hidden", None)) or not result.success
        secs = time.monotonic() - started
        cell.clear()
        del cell
        records, refused = _collect_records(incoming)
        proto.send(ev="done", i=index, count=shell.execution_count - 1,
                   error=failed, outputs=_cap_outputs(CURRENT.finish()),
                   records=records, refused=refused, secs=round(secs, 4))
    sys.stdout, sys.stderr = real_stdout, real_stderr
    proto.send(ev="end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
