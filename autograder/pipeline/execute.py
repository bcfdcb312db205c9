"""Parent side: run one notebook in the sandbox, cell by cell, with time limits, and
keep going after crashes.

``run_notebook`` writes the job (the cells to run) into the submission's work folder,
starts the runner in the sandbox and follows its events. When a cell does not finish
(the process died: ``os._exit``, a segfault, the memory limit; or it ran past the
per-cell time limit), the whole sandbox is killed, that cell is marked, and the notebook
is run again from the top without it, so one broken cell costs only what depends on it.
The per-notebook time limit bounds all attempts together.
"""
from __future__ import annotations

import dataclasses
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder.pipeline.sandbox import Limits, Sandbox

MAX_EVENT_BYTES = 32 << 20


@dataclasses.dataclass
class CellRun:
    status: str                      # ok | error | timeout | crashed | not-run
    outputs: list = dataclasses.field(default_factory=list)
    count: int | None = None
    secs: float = 0.0
    attempt: int = 0
    detail: str = ""


@dataclasses.dataclass
class NotebookRun:
    cells: dict[int, CellRun]
    secret: str
    attempts: int
    seconds: float
    incidents: list[str]
    protocol_violation: str = ""
    grader_error: str = ""


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass
    proc.wait()


def _describe_exit(code: int | None, log_tail: str) -> str:
    if code is None:
        return "the process died"
    signum = -code if code < 0 else code - 128 if 128 < code < 128 + 65 else 0
    if signum:  # bubblewrap's init reports a child killed by signal N as 128 + N
        try:
            name = signal.Signals(signum).name
        except ValueError:
            name = str(signum)
        why = {"SIGSEGV": "a segmentation fault (a crash in native code)",
               "SIGKILL": "it was killed (SIGKILL)",
               "SIGXFSZ": "it wrote a file larger than the limit",
               "SIGABRT": "it aborted (SIGABRT)"}.get(name, f"signal {name}")
        return f"the notebook's process died: {why}"
    if "MemoryError" in log_tail:
        return f"the notebook's process died (exit status {code}) after running out of memory"
    return (f"the notebook's process exited with status {code} (os._exit, a crash in "
            "native code, or the memory limit)")


def _prepare(work: Path) -> None:
    for sub in ("ctl", "rec", "home", "tmp"):
        (work / sub).mkdir(parents=True, exist_ok=True)


def run_notebook(work: Path, cells: list[dict], chapter: str, sandbox: Sandbox,
                 limits: Limits) -> NotebookRun:
    """Run ``cells`` ([{"i", "source", "kind"}], code cells in order) in ``work/sub``.

    Recordings end up in ``work/rec/a<attempt>/c<index>/``.
    """
    _prepare(work)
    secret = secrets.token_hex(16)
    results: dict[int, CellRun] = {}
    failed: dict[int, CellRun] = {}
    incidents: list[str] = []
    started = time.monotonic()
    deadline = started + limits.notebook_timeout
    violation = ""
    grader_error = ""
    attempt = 0
    finished = False
    while attempt < limits.max_attempts and not finished:
        attempt += 1
        job = {"cells": cells, "skip": sorted(failed), "attempt": attempt,
               "chapter": chapter, "secret": secret, "memory_mb": limits.memory_mb,
               "file_mb": limits.file_mb, "record_dir": sandbox.inside(work, "rec")}
        (work / "ctl" / "job.json").write_text(json.dumps(job))
        read_fd, write_fd = os.pipe()
        argv, env = sandbox.command(work, write_fd, chapter)
        log = open(work / f"runner-{attempt}.log", "wb")
        try:
            proc = subprocess.Popen(argv, env=env or None, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    pass_fds=(write_fd,), start_new_session=True,
                                    cwd=str(work / "sub"))
        finally:
            os.close(write_fd)
            log.close()
        outcome = _follow(proc, read_fd, results, attempt, limits, deadline)
        os.close(read_fd)
        _kill(proc)
        kind, index, detail = outcome
        if kind == "end":
            finished = True
        elif kind == "startup":
            tail = (work / f"runner-{attempt}.log").read_bytes()[-3000:].decode(errors="replace")
            grader_error = f"the grading runner did not start: {detail}\n{tail}"
            break
        elif kind == "protocol":
            violation = detail
            if index is not None:
                failed[index] = CellRun("crashed", attempt=attempt,
                                        detail="the grader lost track of this cell: "
                                               + detail)
                incidents.append(f"cell {index}: {detail}")
            else:
                break
        elif kind in ("timeout", "crashed"):
            if index is None:  # died between cells: blame nobody, retry once more
                incidents.append(f"attempt {attempt}: {detail}")
                continue
            failed[index] = CellRun(kind, attempt=attempt, detail=detail)
            incidents.append(f"cell {index}: {detail}")
        elif kind == "notebook-timeout":
            if index is not None:
                failed[index] = CellRun("timeout", attempt=attempt, detail=detail)
            incidents.append(detail)
            break
        if time.monotonic() >= deadline:
            incidents.append(f"the notebook time limit ({limits.notebook_timeout:.0f} s) "
                             "was reached")
            break
    cells_out: dict[int, CellRun] = {}
    for cell in cells:
        i = cell["i"]
        if i in failed:
            cells_out[i] = failed[i]
        elif i in results:
            cells_out[i] = results[i]
        else:
            why = ("the notebook time limit was reached" if time.monotonic() >= deadline
                   else "grading stopped after repeated crashes")
            cells_out[i] = CellRun("not-run", detail=why)
    shutil.rmtree(work / "ctl", ignore_errors=True)
    return NotebookRun(cells_out, secret, attempt, time.monotonic() - started, incidents,
                       violation, grader_error)


def _follow(proc, read_fd: int, results: dict, attempt: int, limits: Limits,
            deadline: float) -> tuple[str, int | None, str]:
    """Read the runner's events until it ends, dies, or overruns a time limit."""
    sel = selectors.DefaultSelector()
    sel.register(read_fd, selectors.EVENT_READ)
    buffer = b""
    ready = False
    current: int | None = None
    cell_deadline = time.monotonic() + limits.startup_timeout
    try:
        while True:
            now = time.monotonic()
            limit = min(cell_deadline, deadline)
            if now >= limit:
                if now >= deadline and (current is not None or ready):
                    return ("notebook-timeout", current,
                            f"the notebook time limit ({limits.notebook_timeout:.0f} s) "
                            "was reached" + (" while this cell ran" if current is not None
                                             else ""))
                if not ready:
                    return "startup", None, "no answer within the start-up time limit"
                if current is None:
                    return "timeout", None, "the notebook stalled between cells"
                return ("timeout", current,
                        f"stopped after {limits.cell_timeout:.0f} s (the time limit per "
                        "cell): an infinite loop or very slow code?")
            if not sel.select(timeout=min(limit - now, 1.0)):
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                code = proc.wait()
                if not ready:
                    return "startup", None, f"exit status {code}"
                log = ""
                return "crashed", current, _describe_exit(code, log)
            buffer += chunk
            if len(buffer) > MAX_EVENT_BYTES:
                return "protocol", current, "the runner's report channel was flooded"
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    event = json.loads(line)
                    kind = event["ev"]
                except (ValueError, KeyError, TypeError):
                    return ("protocol", current,
                            "something other than the grader wrote to its report channel")
                if kind == "ready":
                    ready = True
                    cell_deadline = time.monotonic() + limits.cell_timeout
                elif kind == "start":
                    current = int(event["i"])
                    cell_deadline = time.monotonic() + limits.cell_timeout
                elif kind == "done":
                    index = int(event["i"])
                    if index != current:
                        return ("protocol", current, "cells out of order were reported on "
                                "the grader's report channel")
                    results[index] = CellRun(
                        "error" if event.get("error") else "ok",
                        outputs=list(event.get("outputs") or []), count=event.get("count"),
                        secs=float(event.get("secs") or 0.0), attempt=attempt)
                    current = None
                    cell_deadline = time.monotonic() + limits.cell_timeout
                elif kind == "end":
                    if current is not None:
                        return ("protocol", current, "a false end of the notebook was "
                                "written to the grader's report channel")
                    return "end", None, ""
                else:
                    return ("protocol", current,
                            f"an unknown event was written to the grader's report channel")
    finally:
        sel.close()
