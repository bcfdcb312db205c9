"""Grading on a Dask distributed cluster: ``python -m autograder.grade ... --cluster
tcp://HOST:8786``.

The main process stays the only writer of the gradebook and consumes the results in
the same fixed order as with the local pool (``run.py``); only where each submission is
run and judged changes. A worker is a ``dask worker`` started from a checkout of the
course on another machine, at its own path, so nothing travels as a path of the main
machine:

- once per batch, every worker receives a :class:`Shared` (the main process's
  ``WorkerContext`` and the gradebook's assignment tables, without any learner's rows),
  inside a :class:`GradingPlugin` that Dask hands to every worker;
- each task carries one learner's :class:`Submission` as bytes (the notebook and the
  files beside it, size-capped as ``worker.copy_submitted_files`` caps them);
- the worker uses its own course root (:func:`worker_course_root`), its own sandbox
  snapshot and scratch folder, prepares the learner's autograded folder and gradebook
  rows there (``bookkeeping.prepare``, from its learner-free copy of the gradebook,
  whatever database the main process writes), and returns the result as data: the
  verdicts, the rows, and the prepared folder's files (:func:`pack_folder`: regular
  files only, safe relative paths, within :func:`autograded_budget`); the main process
  checks them again and writes them where ``finish.py`` expects a prepared folder
  (:func:`materialise`), then stores everything as for the local pool.

Before anything is written, every worker is asked for a fingerprint of its course
sources (``autograder/``, ``rnnkit``, ``solutions/<assignment>/``, the versions of
Python, numpy and nbgrader) and whether its sandbox starts; the batch is refused,
naming the worker, when one differs or cannot sandbox. Tasks go only to the workers
checked; one that joins later is not used in this batch.

A worker runs each task in a process of its own small pool (``worker.init_worker``: the
address-space limit under which recordings are parsed), never in the ``dask worker``
process itself, which keeps its memory for Dask. A worker that dies mid-task (killed,
its machine lost) has its tasks run again elsewhere by the scheduler; the main process
writes each learner once, whatever ran twice.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import copy
import dataclasses
import hashlib
import os
import pickle
import platform
import queue
import shutil
import sqlite3
import stat
import threading
import uuid
from pathlib import Path

from distributed import Client, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from autograder.pipeline import nbgrader_steps as steps
from autograder.pipeline.sandbox import Limits, Sandbox, SandboxUnavailable, snapshot_package
from autograder.pipeline.worker import WorkerContext, grade_submission, init_worker

ROOT_ENV = "RNNCOURSE_COURSE_ROOT"   # a worker's course checkout, if not where it imports from
CONNECT_TIMEOUT = 10.0               # seconds to reach the scheduler
WORKER_GONE_CHECK = 30.0             # seconds between checks that a batch still has workers
# The learner tables of nbgrader's gradebook: a worker needs none of them.
_LEARNER_TABLES = ("comment", "grade", "submitted_notebook", "submitted_assignment",
                   "student")
_RUNTIME_FOLDERS = {".scratch", "submitted", "autograded", "feedback", "reports",
                    "__pycache__", ".ipynb_checkpoints"}


class ClusterError(RuntimeError):
    """The cluster cannot grade this batch (unreachable, no workers, a worker refused);
    nothing was written."""


def worker_course_root() -> Path:
    """A worker's course root: ``$RNNCOURSE_COURSE_ROOT``, else the checkout the
    ``autograder`` package is imported from."""
    import autograder
    return Path(os.environ.get(ROOT_ENV) or Path(autograder.__file__).resolve().parent.parent)


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if _RUNTIME_FOLDERS & set(rel.parts) or not path.is_file() or path.suffix in (
                ".pyc", ".db"):
            continue
        digest.update(rel.as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def fingerprint(root: Path, assignment: str) -> dict[str, str]:
    """What must be the same on the main process and every worker: the grading code,
    the learner kit, the assignment's solutions, and the versions that compute with
    them."""
    import autograder
    import nbgrader
    import numpy
    import rnnkit
    return {"autograder/": _tree_digest(Path(autograder.__file__).resolve().parent),
            "rnnkit/": _tree_digest(Path(rnnkit.__file__).resolve().parent),
            f"solutions/{assignment}/": _tree_digest(root / "solutions" / assignment),
            "python": platform.python_version(), "numpy": numpy.__version__,
            "nbgrader": nbgrader.__version__}


def probe(assignment: str, trusted: bool, limits: Limits) -> dict:
    """Run on every worker before a batch: its fingerprint, and why its sandbox cannot
    start ("" if it can)."""
    root = worker_course_root()
    out = {"host": platform.node(), "root": str(root), "fingerprint": {}, "sandbox": ""}
    try:
        out["fingerprint"] = fingerprint(root, assignment)
        lib = snapshot_package(root / steps.SCRATCH / "sandbox")
        Sandbox(lib, limits, trusted=trusted).check()
    except SandboxUnavailable as exc:
        out["sandbox"] = str(exc)
    except Exception as exc:  # noqa: BLE001 -- reported as this worker's refusal
        out["sandbox"] = f"{type(exc).__name__}: {exc}"
    return out


def refusals(want: dict[str, str], probes: dict[str, dict]) -> list[str]:
    """One sentence per worker that may not grade this batch, saying what to do."""
    out = []
    for address, got in sorted(probes.items()):
        where = f"worker {address} (host {got['host']}, course root {got['root']})"
        differ = [k for k in want if got["fingerprint"].get(k) != want[k]]
        if differ:
            out.append(f"{where} has other course sources than this process: "
                       f"{', '.join(differ)} differ. Check out the same commit there "
                       "(and the same venv), then restart the worker.")
        elif got["sandbox"]:
            out.append(f"{where} cannot run the sandbox: {got['sandbox']}")
    return out


def learner_free_gradebook(url: str | Path) -> bytes:
    """The gradebook at ``url`` (a SQLite file's path or URL, or a PostgreSQL URL)
    without any learner's rows (what a worker needs: the assignments, their cells and
    hidden tests), as the bytes of a SQLite file."""
    from autograder.pipeline import gradebook_db
    path = Path(url) if isinstance(url, Path) else gradebook_db.sqlite_path(url)
    if path is None:
        return _learner_free_copy_of_server(url)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db = sqlite3.connect(":memory:")
    try:
        src.backup(db)
        for table in _LEARNER_TABLES:
            db.execute(f"DELETE FROM {table}")
        db.commit()
        db.execute("VACUUM")
        return db.serialize()
    finally:
        src.close()
        db.close()


def _learner_free_copy_of_server(url: str) -> bytes:
    """A gradebook on a server (PostgreSQL) copied into a new SQLite file, nbgrader's
    tables but the learners' (read-only: ``gradebook_db.read_only_url``)."""
    import tempfile
    import sqlalchemy
    from nbgrader.api import Base, Gradebook
    from autograder.pipeline import gradebook_db
    with tempfile.TemporaryDirectory(prefix="rnncourse-gradebook-") as tmp:
        copy = Path(tmp) / "gradebook.db"
        Gradebook("sqlite:///" + str(copy)).close()   # nbgrader's schema and revision
        src = sqlalchemy.create_engine(gradebook_db.read_only_url(url))
        dst = sqlalchemy.create_engine("sqlite:///" + str(copy))
        try:
            with src.connect() as read, dst.begin() as write:
                for table in Base.metadata.sorted_tables:
                    write.execute(table.delete())
                    if table.name in _LEARNER_TABLES:
                        continue
                    rows = [dict(r._mapping) for r in read.execute(table.select())]
                    if rows:
                        write.execute(table.insert(), rows)
        finally:
            src.dispose()
            dst.dispose()
        return copy.read_bytes()


def autograded_budget(limits: Limits) -> int:
    """Bytes a prepared autograded folder may send back: the files submitted beside the
    notebook and the notebook itself (each capped at ``submission_mb``), the outputs the
    sandbox may record (``record_mb``), and as much again for the course's own files
    copied beside them (``solutions/<assignment>/``)."""
    return (2 * limits.submission_mb + limits.record_mb) << 21


class UnsafeFolder(ValueError):
    """A prepared folder that may not travel or be written (too large, a link or a
    special file, a path leaving the folder)."""


def pack_folder(folder: Path, budget: int) -> dict[str, tuple[bytes, int]]:
    """{relative path: (bytes, permission bits)} of the regular files under ``folder``
    (a worker's prepared autograded folder, built from a learner's files: never
    trusted). A link, a special file or more than ``budget`` bytes is refused."""
    out, total = {}, 0
    for dirname, dirs, names in os.walk(folder):   # does not follow links to folders
        for name in sorted(dirs + names):
            path = Path(dirname) / name
            st = path.lstat()
            if stat.S_ISDIR(st.st_mode):
                continue
            rel = path.relative_to(folder).as_posix()
            if not stat.S_ISREG(st.st_mode):
                raise UnsafeFolder(f"'{rel}' is a link or a special file")
            total += st.st_size
            if total > budget:
                raise UnsafeFolder(f"more than {budget >> 20} MB")
            out[rel] = (path.read_bytes(), stat.S_IMODE(st.st_mode) & 0o777)
    return out


def materialise(files: dict, dest: Path, budget: int) -> None:
    """Write a prepared folder received from a worker (:func:`pack_folder`) at ``dest``,
    checking again what it holds: relative paths that stay inside ``dest``, no special
    modes, within ``budget`` bytes; new files only, never through a link."""
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    total = 0
    for rel, (data, mode) in sorted(files.items()):
        if not isinstance(rel, str):
            raise UnsafeFolder(f"an unsafe path {rel!r}")
        parts = rel.split("/")
        if rel.startswith("/") or "\\" in rel or "\0" in rel \
                or any(p in ("", ".", "..") for p in parts):
            raise UnsafeFolder(f"an unsafe path {rel!r}")
        total += len(data)
        if total > budget:
            raise UnsafeFolder(f"more than {budget >> 20} MB")
        target = dest.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.parent.resolve().is_relative_to(dest.resolve()):
            raise UnsafeFolder(f"an unsafe path {rel!r}")
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(target, int(mode) & 0o777)


@dataclasses.dataclass(frozen=True)
class Shared:
    """What every worker needs for one batch, sent once per worker."""
    batch: str
    context: WorkerContext     # the main process's; its paths are replaced on the worker
    gradebook: bytes           # learner_free_gradebook
    fingerprint: dict


@dataclasses.dataclass(frozen=True)
class Submission:
    """One learner's submission as data: the notebook's bytes (None if missing) and the
    files beside it that fit the budget."""
    student: str
    notebook: bytes | None
    files: dict[str, bytes]
    left_out: str = ""         # note for the learner, as copy_submitted_files words it
    rejected: str = ""         # why the notebook was not sent
    notes: tuple = ()          # the collection's notes on it (run.py)


def pack(folder: Path, assignment: str, limits: Limits) -> Submission:
    """Read ``folder`` (``submitted/<student>/<assignment>``) into a Submission: the
    notebook, if it is a regular file within ``limits.submission_mb``, and what
    ``copy_submitted_files`` would copy beside it (no links, within the same budget)."""
    import tempfile
    from autograder.pipeline.worker import copy_submitted_files
    student, name = folder.parent.name, f"{assignment}.ipynb"
    path = folder / name
    if path.is_symlink():
        return Submission(student, None, {}, rejected=f"'{name}' is a link, not a notebook.")
    if path.is_file() and path.stat().st_size > limits.submission_mb << 20:
        return Submission(student, None, {}, rejected=(
            f"'{name}' is larger than {limits.submission_mb} MB; clear its outputs "
            "(Kernel, Restart and Clear Outputs) and submit it again."))
    notebook = path.read_bytes() if path.is_file() else None
    with tempfile.TemporaryDirectory(prefix="rnncourse-pack-") as tmp:
        note = copy_submitted_files(folder, Path(tmp), limits) if folder.is_dir() else ""
        files = {p.relative_to(tmp).as_posix(): p.read_bytes()
                 for p in sorted(Path(tmp).rglob("*")) if p.is_file()}
    return Submission(student, notebook, files, note)


class GradingPlugin(WorkerPlugin):
    """Lives in each ``dask worker`` for one batch: the worker's own context (its course
    root, sandbox snapshot, scratch folder and copy of the gradebook) and a pool of
    processes, one per Dask thread, that grade under ``init_worker``'s memory limit."""

    def __init__(self, shared: Shared):
        self.shared = shared
        self.name = shared.batch

    def setup(self, worker=None):
        ctx, shared = self.shared.context, self.shared
        root = worker_course_root()
        _remove_left_by_dead_workers(root / steps.SCRATCH / "cluster")
        self.folder = root / steps.SCRATCH / "cluster" / f"{shared.batch}-{os.getpid()}"
        self.folder.mkdir(parents=True, exist_ok=True)
        gradebook = self.folder / "gradebook-read-copy.db"
        gradebook.write_bytes(shared.gradebook)
        config = copy.deepcopy(ctx.config)
        config.CourseDirectory.root = str(root)
        config.Exchange.root = str(root / steps.SCRATCH / "exchange")
        config.CourseDirectory.db_url = "sqlite:///" + str(gradebook)
        lib = snapshot_package(root / steps.SCRATCH / "sandbox")
        sandbox = Sandbox(lib, ctx.limits, trusted=ctx.sandbox.trusted)
        self.context = dataclasses.replace(
            ctx, root=root, config=config, gradebook_url="sqlite:///" + str(gradebook),
            sandbox=sandbox, submitted=self.folder / "submitted",
            scratch=self.folder / "scratch")
        self.idle: queue.Queue[_Child] = queue.Queue()   # one per Dask thread at most
        threads = getattr(getattr(worker, "state", None), "nthreads", 1) or 1
        for _ in range(threads):  # started now: their imports overlap the main's set-up
            self.idle.put(_Child(self.context))

    def _child(self) -> "_Child":
        try:
            return self.idle.get_nowait()
        except queue.Empty:
            return _Child(self.context)

    def grade(self, sub: Submission) -> dict:
        if sub.rejected:
            return {"student": sub.student, "notes": [], "rejected": sub.rejected}
        folder = self.context.submitted / sub.student / self.context.assignment
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        try:
            if sub.notebook is not None:
                (folder / f"{self.context.assignment}.ipynb").write_bytes(sub.notebook)
            for rel, data in sub.files.items():
                target = folder / rel
                if not target.resolve().is_relative_to(folder.resolve()):
                    continue  # collect never produces such a name; do not follow one
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            child = self._child()
            try:
                out = child.grade(sub.student, sub.notes, sub.left_out)
            finally:  # a process that died is replaced at the next task
                if child.proc.poll() is None:
                    self.idle.put(child)
                else:
                    child.close()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return out

    def teardown(self, worker=None):
        while not getattr(self, "idle", queue.Queue()).empty():
            self.idle.get_nowait().close()
        shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)


def _remove_left_by_dead_workers(folder: Path) -> None:
    """Batch folders (``<batch>-<pid>``) of worker processes no longer alive here: a
    worker killed mid-batch leaves its submission and work folders behind."""
    for old in folder.glob("rnncourse-*-*"):
        pid = old.name.rsplit("-", 1)[-1]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except PermissionError:
            pass   # alive, another user's


class _Child:
    """A grading process of a dask worker, started with ``python -m
    autograder.pipeline.cluster``: the worker's context once, then one student's name
    per task, each answered by the result (or the exception, as text). It runs under
    ``init_worker``'s address-space limit; the dask worker process does not. (Not
    multiprocessing: Dask's nanny runs its worker as a daemonic process, which may not
    have multiprocessing children.)"""

    def __init__(self, ctx: WorkerContext):
        import subprocess
        import sys
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "autograder.pipeline.cluster",
             str(ctx.limits.judge_memory_mb)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        _send(self.proc.stdin, ctx)

    def grade(self, student: str, notes: tuple = (), left_out: str = "") -> dict:
        try:
            _send(self.proc.stdin, (student, tuple(notes), left_out))
            status, value = _receive(self.proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            self.close()
            raise RuntimeError(f"the grading process died while grading {student} "
                               f"(exit status {self.proc.wait()})") from None
        if status != "ok":
            raise RuntimeError(value)
        return value

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001 -- a child that does not stop is killed
            self.proc.kill()
            self.proc.wait()


def _send(stream, value) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(len(data).to_bytes(8, "big") + data)
    stream.flush()


def _receive(stream):
    head = stream.read(8)
    if len(head) < 8:
        raise EOFError
    data = stream.read(int.from_bytes(head, "big"))
    if len(data) < int.from_bytes(head, "big"):
        raise EOFError
    return pickle.loads(data)   # from our own child process, never from a sandbox


def _child_main(memory_mb: int) -> None:
    """The grading process (:class:`_Child`): results leave on the original stdout;
    anything printed goes to stderr, the dask worker's log."""
    import sys
    import traceback
    results = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    jobs = sys.stdin.buffer
    init_worker(memory_mb)
    ctx = _receive(jobs)
    while True:
        try:
            student, notes, left_out = _receive(jobs)
        except EOFError:
            return
        try:
            answer = ("ok", _with_folder(ctx, grade_submission(ctx, student, notes,
                                                                left_out)))
        except Exception as exc:  # noqa: BLE001 -- reported as this student's grader error
            answer = ("error", f"{type(exc).__name__}: {exc}\n"
                      + "".join(traceback.format_exc(limit=-8))[-3000:])
        _send(results, answer)


def _with_folder(ctx: WorkerContext, out: dict) -> dict:
    """A worker's result with its prepared autograded folder as data
    (``out["autograded"]``, :func:`pack_folder`) instead of a path of this machine; the
    folder is removed. A folder that may not travel is this learner's grader error."""
    rows = out.get("rows")
    if rows is None:
        return out
    folder = Path(rows.folder)
    try:
        out["autograded"] = pack_folder(folder, autograded_budget(ctx.limits))
        rows.folder = ""
    except (UnsafeFolder, OSError) as exc:
        del out["rows"]
        out["bookkeeping_error"] = (f"the autograded folder prepared on the worker "
                                    f"cannot be sent back: {exc}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return out


def grade_task(batch: str, sub: Submission) -> dict:
    """The Dask task: one submission, on whichever worker the scheduler chose."""
    return get_worker().plugins[batch].grade(sub)


class _Result(concurrent.futures.Future):
    """A Dask task's result as the local pool's future (``finish.py`` waits on it with
    ``concurrent.futures.wait``). Set from the Dask future's callback; ``result()``, in
    the main process, writes the prepared folder that came back as data where
    ``finish.py`` expects it (:func:`materialise`), once."""

    def __init__(self, batch: "Batch", student: str, future=None):
        super().__init__()
        self.batch, self.student, self.future = batch, student, future
        self._ready = None
        if future is not None:
            future.add_done_callback(self._done)

    def _done(self, future) -> None:   # in Dask's callback thread
        try:
            if future.status == "finished":
                value, error = future.result(), None
            else:
                value, error = None, future.exception()
        except BaseException as exc:  # noqa: BLE001 -- cancelled, or the client closed
            value, error = None, exc
        self.future = None   # let the cluster forget the task
        self.fail(error) if error is not None else self._set(value)

    def _set(self, value) -> None:
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            self.set_result(value)

    def fail(self, error: BaseException) -> None:
        with contextlib.suppress(concurrent.futures.InvalidStateError):
            self.set_exception(error)

    def result(self, timeout=None):
        out = super().result(timeout)
        if self._ready is None:
            self._ready = self.batch.receive(self.student, out)
        return self._ready


class Batch:
    """One grading round on the cluster: connect and check the workers (on creation,
    before anything is written), then ``submit`` the submissions, a window ahead of the main process's fixed-order
    consumption so that learners' bytes are not all held in memory at once."""

    def __init__(self, address: str, root: Path, assignment: str, trusted: bool,
                 limits: Limits):
        self.address, self.root, self.assignment = address, root, assignment
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {address} ({type(exc).__name__}: "
                f"{exc}). Check the address, that `dask scheduler` runs there and that "
                "its port (8786 by default) is open to this machine. Nothing was "
                "graded.") from None
        try:
            self._check(trusted, limits)
        except BaseException:
            self.client.close()
            raise

    def _check(self, trusted: bool, limits: Limits) -> None:
        probes = self.client.run(probe, self.assignment, trusted, limits,
                                 on_error="return")
        if not probes:
            raise ClusterError(
                f"the Dask scheduler at {self.address} has no workers. Start some with "
                f"`dask worker {self.address}` (see docs/grading.md). Nothing was graded.")
        failed = {a: p for a, p in probes.items() if isinstance(p, BaseException)}
        probes = {a: p for a, p in probes.items() if a not in failed}
        self.fingerprint = fingerprint(self.root, self.assignment)
        problems = [f"worker {a} failed its check: {type(e).__name__}: {e}"
                    for a, e in failed.items()] + refusals(self.fingerprint, probes)
        if problems:
            raise ClusterError("refusing to grade on this cluster:\n  " + "\n  ".join(
                problems) + "\nNothing was graded.")
        self.workers = sorted(probes)

    gone: ClusterError | None = None   # set when every checked worker has left

    def _watch(self, futures: "Futures") -> None:
        """Every ``WORKER_GONE_CHECK`` seconds: if every worker checked for this batch
        has left, the learners still waiting are failed (grader errors), not waited on
        for ever."""
        while not self._closed.wait(WORKER_GONE_CHECK):
            try:
                alive = set(self.client.nthreads())
            except Exception:  # noqa: BLE001 -- the scheduler itself is gone
                alive = set()
            if alive & set(self.workers):
                continue
            self.gone = ClusterError(
                f"every worker checked for this batch has left the cluster at "
                f"{self.address}; start workers and regrade the learners marked "
                "grader-error.")
            for result in list(futures.submitted.values()):
                result.fail(self.gone)
            return

    def submit(self, ctx: WorkerContext, students: list[str], notes: dict,
               gradebook_url: str) -> "Futures":
        """Register the batch on every worker (its context and the gradebook without
        learners' rows, read from ``gradebook_url``, SQLite or PostgreSQL) and return
        the learners' futures, submitted as run.py asks for them."""
        self.batch = f"rnncourse-{ctx.assignment}-{uuid.uuid4().hex[:12]}"
        self.limits = ctx.limits
        shared = Shared(self.batch, ctx, learner_free_gradebook(gradebook_url),
                        self.fingerprint)
        self.client.register_plugin(GradingPlugin(shared), name=self.batch)
        futures = Futures(self, students, ctx, notes)
        self._closed = threading.Event()
        threading.Thread(target=self._watch, args=(futures,), daemon=True).start()
        return futures

    def receive(self, student: str, out: dict) -> dict:
        """In the main process: a worker's result, with its prepared folder written
        where ``finish.py`` moves it from (this course's scratch); a folder that may not
        be written is this learner's grader error."""
        files = out.pop("autograded", None)
        if files is None or out.get("rows") is None:
            return out
        dest = self.root / steps.SCRATCH / self.assignment / "autograded" / student
        try:
            materialise(files, dest, autograded_budget(self.limits))
        except (UnsafeFolder, OSError) as exc:
            shutil.rmtree(dest, ignore_errors=True)
            del out["rows"]
            out["bookkeeping_error"] = f"the autograded folder sent by the worker: {exc}"
            return out
        out["rows"].folder = str(dest)
        return out

    def close(self) -> None:
        if getattr(self, "_closed", None):
            self._closed.set()
        with contextlib.suppress(Exception):
            if getattr(self, "batch", None):
                self.client.unregister_worker_plugin(self.batch)
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Futures:
    """{student: future} for run.py, submitting lazily: asking for one student's result
    first submits every submission up to ``window`` places after it."""

    def __init__(self, batch: Batch, students: list[str], ctx: WorkerContext,
                 notes: dict):
        self.batch, self.students, self.ctx, self.notes = batch, students, ctx, notes
        self.index = {s: i for i, s in enumerate(students)}
        self.submitted: dict[str, _Result] = {}
        threads = sum(self.batch.client.nthreads().get(w, 1) for w in batch.workers)
        self.window = max(16, 4 * threads)
        self._top_up(0)

    def _top_up(self, upto: int) -> None:
        submitted_dir = self.ctx.submitted or self.ctx.root / "autograder" / "submitted"
        for student in self.students[len(self.submitted):upto + self.window]:
            if self.batch.gone:
                self.submitted[student] = _Result(self.batch, student)
                self.submitted[student].fail(self.batch.gone)
                continue
            sub = dataclasses.replace(
                pack(submitted_dir / student / self.ctx.assignment, self.ctx.assignment,
                     self.ctx.limits), notes=tuple(self.notes.get(student, ())))
            future = self.batch.client.submit(
                grade_task, self.batch.batch, sub, key=f"{self.batch.batch}-{student}",
                workers=self.batch.workers, allow_other_workers=False, pure=False)
            self.submitted[student] = _Result(self.batch, student, future)

    def __getitem__(self, student: str) -> _Result:
        self._top_up(self.index[student])
        return self.submitted[student]


if __name__ == "__main__":
    import sys
    _child_main(int(sys.argv[1]))
