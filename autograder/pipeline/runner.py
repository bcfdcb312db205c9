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
    {"ev": "start", "pos": 7}
    {"ev": "done", "pos": 7, "count": 3, "outputs": [...], "records": [[name, b64]], ...}
    {"ev": "end"}

A cell is named by ``pos``, its position in the parent's run plan (``plan.py``), which
the job message gives with the cell (``{"pos": 7, "source": ..., "hidden"?: [...],
"nonce"?: ...}``); the runner only echoes it.

A cell that never reports "done" (the process died, or the parent killed it at the
time limit) is the parent's business: it restarts the notebook without that cell.

The runner works in a sized tmpfs (``/grading`` in the sandbox): it copies the
submitted files there from a read-only bind, runs with that folder as the current
directory and on ``sys.path`` (as Jupyter does), and keeps the recordings under
``/grading/rec``. Nothing it writes is ever read back by the host from disk.
"""
from __future__ import annotations

import base64
import json
import os
import re
import resource
import shutil
import stat
import sys
import time
from pathlib import Path

from autograder.pipeline.runner_shell import (Capture, cap_outputs, make_shell,
                                              register_inline_backend)

MAX_CELL_RECORDS = 24 << 20  # bytes of recordings sent per cell
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
    capture = Capture()
    capture.new_cell()
    shell = make_shell(capture)
    if header.get("inline_backend"):  # costs a matplotlib import: only when used
        register_inline_backend(shell)
    import importlib
    import numpy  # noqa: F401 -- imported before learner code, so the baseline has it
    try:  # the chapter's cases in the baseline too, when the chapter has any
        importlib.import_module(f"rnnkit.cases.{header['chapter']}")
    except ImportError:
        pass
    from autograder.pipeline import canary
    canary.arm(shell, header["chapter"])
    del header

    proto.send(ev="ready")
    while True:
        cell = _read_message(job)
        if cell.get("end"):
            break
        position = cell["pos"]
        proto.send(ev="start", pos=position)
        capture.new_cell()
        if cell.get("nonce"):
            canary.expect(cell["nonce"])
        started = time.monotonic()
        result = shell.run_cell(cell["source"], store_history=True)
        failed = _run_hidden(shell, cell.pop("hidden", None)) or not result.success
        secs = time.monotonic() - started
        cell.clear()
        del cell
        records, refused = _collect_records(incoming)
        proto.send(ev="done", pos=position, count=shell.execution_count - 1,
                   error=failed, outputs=cap_outputs(capture.current.finish()),
                   records=records, refused=refused, secs=round(secs, 4))
    sys.stdout, sys.stderr = real_stdout, real_stderr
    proto.send(ev="end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
