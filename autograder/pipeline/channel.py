"""The parent's side of the sandbox's protocol: feed the runner its cells over the job
pipe, one at a time, and read its events from the report pipe, with size and time
limits (the runner's side and the events are described in ``runner.py``).

A cell is named on the protocol by its position in the run plan (``plan.RunCell``).
Recordings that leave with a cell's "done" event are checked (names, bytes and files
against the notebook's :class:`Budget`) and written by this process into a folder the
sandbox never sees.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
import selectors
import signal
import time
from pathlib import Path

from autograder.pipeline.sandbox import Limits

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


def describe_exit(code: int | None) -> str:
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
    return (f"the notebook's process exited with status {code} (os._exit, a crash in "
            "native code, or the memory limit)")


def write_records(folder: Path, records, budget: Budget) -> str:
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


class Feeder:
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


def follow(proc, read_fd: int, feeder: Feeder, todo: list[dict], results: dict,
            attempt: int, limits: Limits, deadline: float, work: Path, budget: Budget,
            flags: list[str], name=str) -> tuple[str, int | None, str]:
    """Feed the runner its cells and read its events until it ends, dies, or overruns
    a time limit. ``name(position)`` says which cell a flag is about, in words."""
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
            sent = message["pos"]
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
                return "crashed", current, describe_exit(code)
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
                        index = int(event["pos"])
                    except (KeyError, TypeError, ValueError):
                        index = None
                    if current is not None or index != sent:
                        return ("protocol", current, "a cell the grader did not send was "
                                "reported started on its report channel")
                    current = index
                    cell_deadline = time.monotonic() + limits.cell_timeout
                elif kind == "done":
                    try:
                        index = int(event["pos"])
                    except (KeyError, TypeError, ValueError):
                        index = None
                    if index is None or index != current:
                        return ("protocol", current, "cells out of order were reported on "
                                "the grader's report channel")
                    refused = write_records(work / "rec" / f"a{attempt}" / f"c{index}",
                                             event.get("records") or [], budget)
                    if refused:
                        flags.append(f"{name(index)}: {refused} were not accepted")
                    if event.get("refused"):
                        flags.append(f"{name(index)}: links or special files where results "
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
