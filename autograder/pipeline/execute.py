"""Parent side: run one notebook in the sandbox, cell by cell, with time limits, and
keep going after crashes.

``run_notebook`` starts the runner in the sandbox and feeds it the cells over a pipe,
one at a time, each only after the previous one was reported. When a cell does not
finish (the process died: ``os._exit``, a segfault, the memory limit; or it ran past the
per-cell time limit), the whole sandbox is killed, that cell is marked, and the notebook
is run again from the top without it, so one broken cell costs only what depends on it.
The per-notebook time limit bounds all attempts together.

Everything the sandbox says comes back over the protocol pipe and is bounded here:
events, outputs, and the recordings that leave (names checked, bytes and files counted
against the notebook's budget), which this process writes itself into ``work/rec``, a
folder the sandbox never sees. The sandbox as a whole runs in a control group where the
machine offers one (:mod:`autograder.pipeline.cgroup`).
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import secrets
import selectors
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder.pipeline import canary, cgroup
from autograder.pipeline.sandbox import Limits, Sandbox

MAX_EVENT_BYTES = 48 << 20
RECORD_NAME = re.compile(r"^[A-Za-z0-9_.=\-]{1,240}\.(json|npz)$")


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
    flags: list = dataclasses.field(default_factory=list)   # suspicious, not scored
    limits: str = ""                  # which whole-sandbox limits held, in words
    peak_mb: float | None = None      # the sandbox's peak memory, where measured

    def token(self, label: str, attempt: int) -> str:
        """The one-time answer of the canary ``label`` in ``attempt``."""
        return canary.token(self.secret, f"{label}:{attempt}")


class Budget:
    """What may leave one notebook's sandbox as recordings: bytes and files."""

    def __init__(self, limits: Limits):
        self.bytes = limits.record_mb << 20
        self.files = limits.record_files

    def take(self, size: int) -> bool:
        if size > self.bytes or self.files <= 0:
            return False
        self.bytes -= size
        self.files -= 1
        return True


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


def _write_records(folder: Path, records, budget: Budget) -> str:
    """Write the recordings of one cell into ``folder`` (host-only); returns what was
    refused, in words ("" if nothing)."""
    refused = ""
    if not isinstance(records, list):
        return "malformed recordings"
    for item in records:
        try:
            name, text = item
            if not (isinstance(name, str) and RECORD_NAME.match(name)):
                raise ValueError
            data = base64.b64decode(text, validate=True)
        except (ValueError, TypeError):
            refused = "malformed recordings"
            continue
        if not budget.take(len(data)):
            refused = "recordings past the grader's budget of bytes or files"
            continue
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                     0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
    return refused


class _Feeder:
    """Writes the job to the runner without ever blocking on a full pipe."""

    def __init__(self, fd: int):
        self.fd = fd
        os.set_blocking(fd, False)
        self.pending = b""
        self.closed = False

    def send(self, message: dict) -> None:
        self.pending += (json.dumps(message) + "\n").encode()
        self.flush()

    def flush(self) -> None:
        while self.pending and not self.closed:
            try:
                written = os.write(self.fd, self.pending)
            except BlockingIOError:
                return
            except (BrokenPipeError, OSError):
                self.closed = True
                return
            self.pending = self.pending[written:]

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                os.close(self.fd)
            except OSError:
                pass


def run_notebook(work: Path, cells: list[dict], chapter: str, sandbox: Sandbox,
                 limits: Limits) -> NotebookRun:
    """Run ``cells`` ([{"i", "source", "kind", ...}], code cells in order) on the files
    in ``work/sub``. A cell may carry ``hidden`` (the check calls of its hidden tests,
    as data) and a canary cell carries ``label``.

    Recordings end up in ``work/rec/a<attempt>/c<index>/``.
    """
    (work / "rec").mkdir(parents=True, exist_ok=True)
    if sandbox.trusted:
        shutil.rmtree(work / "box", ignore_errors=True)
    secret = secrets.token_hex(16)
    results: dict[int, CellRun] = {}
    failed: dict[int, CellRun] = {}
    incidents: list[str] = []
    flags: list[str] = []
    budget = Budget(limits)
    group = cgroup.create(limits.sandbox_memory_mb, limits.max_processes)
    started = time.monotonic()
    deadline = started + limits.notebook_timeout
    violation = ""
    grader_error = ""
    attempt = 0
    finished = False
    peak = None
    try:
        while attempt < limits.max_attempts and not finished:
            attempt += 1
            header = {"chapter": chapter, "attempt": attempt, "memory_mb": limits.memory_mb,
                      "file_mb": limits.file_mb, "base": sandbox.base(work),
                      "submission": sandbox.submission(work),
                      "inline_backend": any("InlineBackend" in c["source"] for c in cells)}
            todo = []
            for cell in cells:
                if cell["i"] in failed:
                    continue
                message = {"i": cell["i"], "source": cell["source"]}
                if cell.get("hidden"):
                    message["hidden"] = cell["hidden"]
                if cell.get("kind") == "canary":
                    message["nonce"] = canary.token(secret, f"{cell['label']}:{attempt}")
                todo.append(message)
            job_read, job_write = os.pipe()
            read_fd, write_fd = os.pipe()
            argv, env = sandbox.command(work, job_read, write_fd,
                                        per_process_only=group is None)
            log = open(work / f"runner-{attempt}.log", "wb")
            ooms = group.oom_kills() if group else 0
            try:
                proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        pass_fds=(job_read, write_fd),
                                        start_new_session=True, cwd=str(work),
                                        preexec_fn=group.join if group else None)
            finally:
                os.close(write_fd)
                os.close(job_read)
                log.close()
            feeder = _Feeder(job_write)
            feeder.send(header)
            outcome = _follow(proc, read_fd, feeder, todo, results, attempt, limits,
                              deadline, work, budget, flags)
            feeder.close()
            os.close(read_fd)
            _kill(proc)
            if group:
                group.kill_all()
            kind, index, detail = outcome
            if group and group.oom_kills() > ooms:
                why = ("the notebook's processes together used more than the sandbox's "
                       f"memory limit ({limits.sandbox_memory_mb} MB)")
                if kind == "crashed":
                    detail = why
                else:
                    incidents.append(f"some of the notebook's processes were killed: {why}")
            if kind == "end":
                finished = True
            elif kind == "startup":
                tail = (work / f"runner-{attempt}.log").read_bytes()[-3000:].decode(
                    errors="replace")
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
    finally:
        if group:
            peak = round(group.peak_mb(), 1)
            if group.pid_refusals():
                incidents.append(f"the notebook tried to run more than {limits.max_processes}"
                                 " processes or threads at once; the rest were refused")
            group.remove()
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
    described = group.description if group else (
        f"per-process limits only ({limits.memory_mb} MB address space per process"
        + (", RLIMIT_NPROC" if os.geteuid() != 0 else "") + "): no control group here")
    return NotebookRun(cells_out, secret, attempt, time.monotonic() - started, incidents,
                       violation, grader_error, list(dict.fromkeys(flags)), described, peak)


def _follow(proc, read_fd: int, feeder: _Feeder, todo: list[dict], results: dict,
            attempt: int, limits: Limits, deadline: float, work: Path, budget: Budget,
            flags: list[str]) -> tuple[str, int | None, str]:
    """Feed the runner its cells and read its events until it ends, dies, or overruns
    a time limit."""
    sel = selectors.DefaultSelector()
    sel.register(read_fd, selectors.EVENT_READ)
    buffer = b""
    ready = False
    current: int | None = None
    sent: int | None = None           # the cell the runner was given last
    queue = list(todo)
    cell_deadline = time.monotonic() + limits.startup_timeout

    def feed_next() -> None:
        nonlocal sent
        if queue:
            message = queue.pop(0)
            sent = message["i"]
            feeder.send(message)
        else:
            sent = None
            feeder.send({"end": True})

    writing = False
    try:
        while True:
            if feeder.pending and not feeder.closed and not writing:
                sel.register(feeder.fd, selectors.EVENT_WRITE)
                writing = True
            elif writing and (not feeder.pending or feeder.closed):
                sel.unregister(feeder.fd)
                writing = False
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
            events = sel.select(timeout=min(limit - now, 1.0))
            if not events:
                continue
            if any(key.fd == feeder.fd for key, _ in events):
                feeder.flush()
            if not any(key.fd == read_fd for key, _ in events):
                continue
            chunk = os.read(read_fd, 1 << 20)
            if not chunk:
                code = proc.wait()
                if not ready:
                    return "startup", None, f"exit status {code}"
                return "crashed", current, _describe_exit(code, "")
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
                    if ready:
                        return ("protocol", current, "the runner said it was ready twice")
                    ready = True
                    cell_deadline = time.monotonic() + limits.cell_timeout
                    feed_next()
                elif kind == "start":
                    try:
                        index = int(event["i"])
                    except (KeyError, TypeError, ValueError):
                        index = None
                    if current is not None or index != sent:
                        return ("protocol", current, "a cell the grader did not send was "
                                "reported started on its report channel")
                    current = index
                    cell_deadline = time.monotonic() + limits.cell_timeout
                elif kind == "done":
                    try:
                        index = int(event["i"])
                    except (KeyError, TypeError, ValueError):
                        index = None
                    if index is None or index != current:
                        return ("protocol", current, "cells out of order were reported on "
                                "the grader's report channel")
                    refused = _write_records(work / "rec" / f"a{attempt}" / f"c{index}",
                                             event.get("records") or [], budget)
                    if refused:
                        flags.append(f"cell {index}: {refused} were not accepted")
                    if event.get("refused"):
                        flags.append(f"cell {index}: links or special files where results "
                                     "are recorded were ignored")
                    outputs = event.get("outputs")
                    try:
                        count = event.get("count")
                        count = int(count) if count is not None else None
                        secs = float(event.get("secs") or 0.0)
                    except (TypeError, ValueError):
                        count, secs = None, 0.0
                    results[index] = CellRun(
                        "error" if event.get("error") else "ok",
                        outputs=[o for o in outputs if isinstance(o, dict)]
                        if isinstance(outputs, list) else [],
                        count=count, secs=secs, attempt=attempt)
                    current = None
                    cell_deadline = time.monotonic() + limits.cell_timeout
                    feed_next()
                elif kind == "end":
                    if current is not None or sent is not None:
                        return ("protocol", current, "a false end of the notebook was "
                                "written to the grader's report channel")
                    return "end", None, ""
                else:
                    return ("protocol", current,
                            "an unknown event was written to the grader's report channel")
    finally:
        sel.close()
