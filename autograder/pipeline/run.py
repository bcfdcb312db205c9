"""One grading round: collect, sandbox in parallel, judge outside, write nbgrader's
gradebook serially, feedback, CSV, report.

Worker processes inspect, run and judge the submissions (``worker.py``; each sandbox is
a bubblewrap process the worker waits on, so the cores go to the notebooks); the main
process alone talks to the gradebook, one student after another in a fixed order,
while later students are still running. Only the students of this round are touched:
regrading one learner changes nobody else's grade.

The rooms: ``inspection`` (what was submitted), ``plan`` (what the sandbox runs),
``execute``/``channel`` (running it), ``verdicts`` and ``judge`` (deciding), ``worker``
(all of that for one submission), ``progress``, and this module (the round).
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import functools
import json
import multiprocessing
import os
from pathlib import Path

from autograder import reference
from autograder.pipeline import collect as collect_mod, gradebook_db, nbgrader_fast
from autograder.pipeline import nbgrader_steps as steps
from autograder.pipeline.grader_error import GraderError, describe
from autograder.pipeline.inspection import release_notebook_cells
from autograder.pipeline.judge import Judge, parse_checks
from autograder.pipeline.finish import finish_round, opening
from autograder.pipeline.main_cost import MainClock
from autograder.pipeline.progress import Progress
from autograder.pipeline.sandbox import Limits, Sandbox, snapshot_package
from autograder.pipeline.verdicts import notes_markdown
from autograder.pipeline.worker import WorkerContext, feedback, grade_submission, init_worker

START_METHODS = ("fork", "forkserver", "spawn")
START_METHOD_ENV = "RNNCOURSE_START_METHOD"


def default_start_method() -> str:
    """How worker processes start: ``RNNCOURSE_START_METHOD`` if set, else fork."""
    return os.environ.get(START_METHOD_ENV) or "fork"


@dataclasses.dataclass(frozen=True)
class Options:
    assignment: str
    root: Path
    submissions: Path | None = None
    students: frozenset[str] | None = None
    jobs: int = os.cpu_count() or 1
    limits: Limits = dataclasses.field(default_factory=Limits)
    trusted: bool = False
    feedback: bool = True
    progress: bool = True
    keep_work: bool = False   # keep each submission's work folder (for debugging)
    # nbgrader's Autograde converter per learner in this process (slow; the reference
    # that tests/test_bookkeeping.py holds the batched bookkeeping to)
    converter_reference: bool = False
    start_method: str = dataclasses.field(default_factory=default_start_method)
    db_url: str | None = None  # the gradebook (--db-url); None: nbgrader_config.py's
    cluster: str | None = None   # a Dask scheduler's address: run the notebooks there


def reports_dir(root: Path, assignment: str) -> Path:
    return root / "autograder" / "reports" / assignment


def _students(opts: Options, collected: dict) -> list[str]:
    if opts.submissions is not None:
        names = sorted(collected)
    else:
        base = opts.root / "autograder" / "submitted"
        names = sorted(p.name for p in base.iterdir() if (p / opts.assignment).is_dir()) \
            if base.is_dir() else []
    if opts.students:
        names = [s for s in names if s in opts.students]
    return names


def _pool(opts: Options) -> concurrent.futures.ProcessPoolExecutor:
    # The gradebook is not open at this point, so no sqlite connection crosses a fork;
    # everything a worker needs travels in its WorkerContext, whatever the start method.
    if opts.start_method not in START_METHODS:
        raise ValueError(f"unknown start method {opts.start_method!r}: use one of "
                         f"{', '.join(START_METHODS)}")
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=max(1, opts.jobs),
        mp_context=multiprocessing.get_context(opts.start_method),
        initializer=init_worker, initargs=(opts.limits.judge_memory_mb,))


def _judge_with_references(assignment: str, graded: dict) -> tuple[Judge, dict]:
    """The judge with the reference's outputs on every case instance the graded cells
    ask for (computed once, here), and grade id -> [Instance], or, for a cell the
    grader cannot read, what went wrong (``grader_error.describe``). A reference that
    raises is kept as that instance's grader error."""
    judge = Judge(assignment)
    instances: dict[str, object] = {}
    for gid, info in graded.items():
        if info.get("manual"):  # a written answer: formgrader's, not the judge's
            continue
        try:
            instances[gid] = parse_checks(info["source"])
        except Exception as exc:  # noqa: BLE001 -- UnjudgeableTest, or a bug in a case
            instances[gid] = describe(f"reading the test cell {gid}", exc)
            continue
        for inst in instances[gid]:
            try:
                judge.expected(inst)
            except GraderError:
                pass  # judged as a grader error on every submission's cell
    return judge, instances


def grade(opts: Options) -> dict:
    """Grade one assignment's submissions; returns {student: verdict dict}.

    Neither ``opts`` nor the process's environment is changed: the course root's
    references are put in force with ``reference.using`` here and in every worker (from
    its ``WorkerContext``), and nbgrader reads its database revision in-process
    (``nbgrader_fast``), so no ``alembic`` needs to be on ``PATH``."""
    opts = dataclasses.replace(opts, root=opts.root.resolve())
    with reference.using(opts.root / "solutions"), \
            gradebook_db.using(opts.root, opts.db_url), _cluster(opts) as batch:
        return _grade(opts, batch)


def _cluster(opts: Options):
    """The Dask batch (``cluster.py``) with ``--cluster``, connected and its workers
    checked before anything is written; else nothing (the local pool)."""
    if not opts.cluster:
        return contextlib.nullcontext()
    from autograder.pipeline import cluster
    return cluster.Batch(opts.cluster, opts.root, opts.assignment, opts.trusted, opts.limits)


def _grade(opts: Options, batch=None) -> dict:
    root, a = opts.root, opts.assignment
    nbgrader_fast.install()
    cfg = steps.load_config(root)
    lib = snapshot_package(root / steps.SCRATCH / "sandbox")
    sandbox = Sandbox(lib, opts.limits, trusted=opts.trusted)
    if batch is None:  # on a cluster, every worker has checked its own sandbox
        sandbox.check()
    # PostgreSQL: one process at a time creates the schema and the course row
    gradebook_db.prepare(steps.db_url(root), cfg.CourseDirectory.get("course_id") or "")
    steps.ensure_assignment(root, cfg, a)
    collected = {}
    if opts.submissions is not None:
        collected = collect_mod.collect(opts.submissions, root / "autograder" / "submitted",
                                        a, opts.students)
    students = _students(opts, collected)
    gradebook_db.ensure_students(steps.db_url(root), students)  # no race to add them
    released = release_notebook_cells(root, a)
    graded = steps.graded_cells(root, a, order=list(released))  # the release's order
    judge, instances = _judge_with_references(a, graded)
    # Workers only read: a copy of a SQLite gradebook, or PostgreSQL read-only.
    worker_url = gradebook_db.for_workers(steps.db_url(root), root / steps.SCRATCH / a)
    ctx = WorkerContext(a, root, opts.limits, opts.keep_work,
                        gradebook_db.worker_config(cfg, steps.db_url(root)),
                        released, worker_url,
                        sandbox, judge, graded, instances, opts.converter_reference)
    out_dir = reports_dir(root, a)
    (out_dir / "verdicts").mkdir(parents=True, exist_ok=True)
    progress = Progress(len(students), opts.progress)
    clock = MainClock()  # the serial part: main-process time per submission
    results: dict[str, dict] = {}
    with _pool(opts) as pool:
        notes_of = {s: tuple(collected.get(s, collect_mod.Collected(s)).notes)
                    for s in students}
        futures = batch.submit(ctx, students, notes_of, steps.db_url(root)) if batch else \
            {s: pool.submit(grade_submission, ctx, s, notes_of[s]) for s in students}
        if not opts.converter_reference:  # fixed order, batched gradebook writes
            results = finish_round(students, futures, collected, opts, cfg, graded,
                                   out_dir, progress, clock)
        else:
            for s in students:  # fixed order: gradebook writes from this process only
                concurrent.futures.wait([futures[s]])  # waiting on workers: not counted
                with clock.part("per_submission"):
                    notes = collected.get(s, collect_mod.Collected(s)).notes
                    results[s] = _finish(s, notes, futures[s], opts, cfg, graded)
                    (out_dir / "verdicts" / f"{s}.json").write_text(
                        json.dumps(results[s], indent=1))
                    progress.step(s)
                clock.submissions += 1
        if opts.feedback:
            for s, res in pool.map(functools.partial(feedback, ctx), students):
                if not res["success"]:
                    results[s]["feedback_error"] = str(res.get("error"))[-2000:]
    from autograder.pipeline import report
    with clock.part("once"):
        steps.export_csv(root, cfg, out_dir / "grades.csv")
        report.write(root, a, out_dir)
    clock.write(out_dir)
    return results


def cells_with_grader_errors(verdict: dict) -> list[str]:
    """Grade ids of the cells of a student's verdict where the course's grading code
    failed (``grader_error`` set)."""
    return [gid for gid, cell in verdict.get("cells", {}).items() if cell.get("grader_error")]


def _finish(student: str, notes: list[str], future, opts: Options, cfg, graded: dict
            ) -> dict:
    """Main process: gradebook entries for one student, from the sandboxed run."""
    root, a = opts.root, opts.assignment
    verdict, result = opening(student, notes, future, a, graded)
    if result.get("rejected"):
        steps.record_rejected(root, cfg, a, student, result["rejected"])
        return verdict
    if result.get("grader_exception"):
        steps.record_rejected(root, cfg, a, student, "The grader failed on this notebook; "
                              "your instructor will look at it.")
        verdict.update(status="grader-error", reason=result["grader_exception"])
        return verdict
    notes_md = notes_markdown(verdict["notes"], result["incidents"], result["tampering"])
    outcome = steps.autograde(root, cfg, a, student,
                              {"notebook": result["notebook"], "notes": notes_md})
    scores = {gid: v["score"] for gid, v in result["verdicts"].items()}
    status = "grader-error" if result["grader_error"] else "graded"
    reason = result["grader_error"]
    if not outcome["success"]:
        status = "grader-error"
        reason = f"nbgrader autograde failed: {str(outcome.get('error'))[-1500:]}"
        steps.record_rejected(root, cfg, a, student, "The grader failed on this notebook; "
                              "your instructor will look at it.")
        scores = {gid: 0.0 for gid in graded}
    verdict.update(cells=result["verdicts"])
    manual = True if status == "grader-error" else set(cells_with_grader_errors(verdict))
    steps.write_scores(root, a, student, scores, needs_manual=manual)
    verdict.update(status=status, reason=reason, score=sum(scores.values()),
                   incidents=result["incidents"],
                   tampering=result["tampering"], attempts=result["attempts"],
                   seconds=result["seconds"], exec_seconds=result["exec_seconds"],
                   limits=result.get("limits", ""), peak_mb=result.get("peak_mb"))
    return verdict
