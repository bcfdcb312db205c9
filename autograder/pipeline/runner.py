"""Sandbox side: run a notebook's code cells in one IPython shell and report each cell.

This is the only part of the grading pipeline that shares a process with learner code,
so nothing it says is trusted for grades: it executes, captures outputs for the
feedback, and moves the recordings that ``check`` writes (record mode) into one folder
per cell. The parent (``autograder.pipeline.execute``) reads the events it writes, one
JSON object a line, on the file descriptor named by ``RNNCOURSE_PROTOCOL_FD``:

    {"ev": "ready"}
    {"ev": "start", "i": 7}
    {"ev": "done", "i": 7, "count": 3, "outputs": [...], "secs": 0.01}
    {"ev": "end"}

A cell that never reports "done" (the process died, or the parent killed it at the
time limit) is the parent's business: it restarts the notebook without that cell.

    python -m autograder.pipeline.runner JOB.json
"""
from __future__ import annotations

import base64
import io
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

MAX_TEXT = 100_000  # characters of stdout/stderr kept per cell; the rest is counted


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


def _limit_resources(memory_mb: int, file_mb: int) -> None:
    for limit, value in ((resource.RLIMIT_AS, memory_mb << 20),
                         (resource.RLIMIT_FSIZE, file_mb << 20),
                         (resource.RLIMIT_CORE, 0)):
        soft, hard = resource.getrlimit(limit)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(limit, (value, value))


def _move_recordings(incoming: Path, dest: Path) -> None:
    if not incoming.is_dir():
        return
    names = [p for p in incoming.iterdir() if p.is_file()]
    if not names:
        return
    dest.mkdir(parents=True, exist_ok=True)
    for path in names:
        shutil.move(str(path), str(dest / path.name))


def main(argv: list[str]) -> int:
    job_path = Path(argv[0])
    job = json.loads(job_path.read_text())
    job_path.unlink()  # the hidden tests are in here: gone before learner code runs
    proto = Protocol(int(os.environ.pop("RNNCOURSE_PROTOCOL_FD")))
    _limit_resources(job["memory_mb"], job["file_mb"])

    record_root = Path(job["record_dir"])
    incoming = record_root / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    os.environ["RNNCOURSE_RECORD_DIR"] = str(incoming)

    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = CapturedStream("stdout"), CapturedStream("stderr")
    shell = make_shell()
    import importlib
    import numpy  # noqa: F401 -- imported before learner code, so the baseline has it
    try:  # the chapter's cases in the baseline too, when the chapter has any
        importlib.import_module(f"rnnkit.cases.{job['chapter']}")
    except ImportError:
        pass
    from autograder.pipeline import canary
    canary.arm(shell, job["secret"], job["chapter"])

    global CURRENT
    skip = set(job["skip"])
    proto.send(ev="ready")
    for cell in job["cells"]:
        index = cell["i"]
        if index in skip:
            continue
        proto.send(ev="start", i=index)
        CURRENT = CellOutputs()
        sys.stdout, sys.stderr = CapturedStream("stdout"), CapturedStream("stderr")
        started = time.monotonic()
        result = shell.run_cell(cell["source"], store_history=True)
        secs = time.monotonic() - started
        _move_recordings(incoming, record_root / f"a{job['attempt']}" / f"c{index}")
        proto.send(ev="done", i=index, count=shell.execution_count - 1,
                   error=not result.success, outputs=CURRENT.finish(),
                   secs=round(secs, 4))
    sys.stdout, sys.stderr = real_stdout, real_stderr
    proto.send(ev="end")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
