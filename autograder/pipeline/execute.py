"""Parent side: run one notebook in the sandbox, cell by cell, with time limits, and
keep going after crashes.

``run_notebook`` starts the runner in the sandbox and feeds it the cells over a pipe,
one at a time, each only after the previous one was reported. When a cell does not
finish (the process died: ``os._exit``, a segfault, the memory limit; or it ran past the
per-cell time limit), the whole sandbox is killed, that cell is marked, and the notebook
is run again from the top without it, so one broken cell costs only what depends on it.
The per-notebook time limit bounds all attempts together.

Everything the sandbox says comes back over the protocol pipe and is bounded
(``channel.py``): events, outputs, and the recordings that leave (names checked, bytes
and files counted against the notebook's budget), which this process writes itself
into ``work/rec``, a folder the sandbox never sees. The sandbox as a whole runs in a control group where the
machine offers one (:mod:`autograder.pipeline.cgroup`).
"""
from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path

from autograder.pipeline import canary, cgroup
from autograder.pipeline.channel import Budget, CellRun, Feeder, follow
from autograder.pipeline.plan import RunCell
from autograder.pipeline.sandbox import Limits, Sandbox


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


def _name(cells: tuple[RunCell, ...], position: int) -> str:
    """A run cell in the words of the notebook: "cell 7" is the notebook's seventh."""
    cell = cells[position] if 0 <= position < len(cells) else None
    if cell is None or cell.notebook_index is None:
        return "the grader's own cell"
    if cell.kind == "canary":
        return f"the grader's integrity check before cell {cell.notebook_index + 1}"
    return f"cell {cell.notebook_index + 1}"


def run_notebook(work: Path, cells: tuple[RunCell, ...], chapter: str, sandbox: Sandbox,
                 limits: Limits, language: str = "en") -> NotebookRun:
    """Run ``cells`` (the run plan, ``plan.plan_run``) on the files in ``work/sub``.
    Results are keyed by each cell's position in the plan.

    Recordings end up in ``work/rec/a<attempt>/c<position>/``.
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
                      "inline_backend": any("InlineBackend" in c.source for c in cells)}
            todo = []
            for cell in cells:
                if cell.position in failed:
                    continue
                message = {"pos": cell.position, "source": cell.source}
                if cell.hidden:
                    message["hidden"] = list(cell.hidden)
                if cell.kind == "canary":
                    message["nonce"] = canary.token(secret, f"{cell.label}:{attempt}")
                todo.append(message)
            job_read, job_write = os.pipe()
            read_fd, write_fd = os.pipe()
            argv, env = sandbox.command(work, job_read, write_fd,
                                        per_process_only=group is None, language=language)
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
            feeder = Feeder(job_write)
            feeder.send(header)
            outcome = follow(proc, read_fd, feeder, todo, results, attempt, limits,
                             deadline, work, budget, flags,
                             lambda position: _name(cells, position))
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
                    incidents.append(f"{_name(cells, index)}: {detail}")
                else:
                    break
            elif kind in ("timeout", "crashed"):
                if index is None:  # died between cells: blame nobody, retry once more
                    incidents.append(f"attempt {attempt}: {detail}")
                    continue
                failed[index] = CellRun(kind, attempt=attempt, detail=detail)
                incidents.append(f"{_name(cells, index)}: {detail}")
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
        i = cell.position
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
