"""The worker: one submission from the submitted folder to a judged, autograded
notebook, in a worker process.

Everything a worker needs arrives in a :class:`WorkerContext`, a frozen dataclass of
plain data (options, nbgrader's config, the released cells, a read-only copy of the
gradebook, the sandbox's description, the judge with the reference's outputs already
computed). It is pickled to the worker with each task, so grading works with every
start method of ``multiprocessing`` (fork, forkserver, spawn); nothing reaches a
worker through module state.
"""
from __future__ import annotations

import dataclasses
import resource
import shutil
import traceback
from pathlib import Path

from traitlets.config import Config

from autograder import reference
from rnnkit.i18n import LANGUAGES, using_language
from autograder.pipeline import bookkeeping, nbgrader_fast
from autograder.pipeline import nbgrader_steps as steps
from autograder.pipeline.execute import run_notebook
from autograder.pipeline.inspection import inspect
from autograder.pipeline.judge import Judge
from autograder.pipeline.plan import plan_run
from autograder.pipeline.sandbox import Limits, Sandbox
from autograder.pipeline.verdicts import judge_run, notes_markdown


@dataclasses.dataclass(frozen=True)
class WorkerContext:
    assignment: str
    root: Path
    limits: Limits
    keep_work: bool
    config: Config              # nbgrader's configuration (nbgrader_steps.load_config)
    release: dict               # grade id -> the released cell (inspection.release_notebook_cells)
    gradebook_url: str          # read-only: a SQLite copy, or PostgreSQL in read-only sessions
    sandbox: Sandbox
    judge: Judge                # with the reference's outputs on every instance
    graded: dict                # grade id -> {"source", "points"} from the gradebook
    instances: dict             # grade id -> [Instance] or the UnjudgeableTest raised
    # nbgrader's converter per learner in the main process (the reference route,
    # run._finish): the worker sends its notebook instead of preparing the folder
    converter_reference: bool = False


def init_worker(memory_mb: int) -> None:
    """Pool initializer: nbgrader's speed-ups (a spawned worker starts without them),
    and an address-space limit under which the worker parses what sandboxes recorded."""
    nbgrader_fast.install()
    value = memory_mb << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(resource.RLIMIT_AS, (value, hard))


def submission_language(nb) -> str:
    """The language the submission says it is in (``metadata.rnncourse.language``), if
    it is one the kit speaks; else English. The sandboxed kernel and the outside judge
    word the learner's messages in it; the scores never depend on it."""
    try:
        language = nb.metadata.get("rnncourse", {}).get("language")
    except AttributeError:  # metadata of the wrong shape: a learner's edit
        return "en"
    return language if isinstance(language, str) and language in LANGUAGES else "en"


def grade_submission(ctx: WorkerContext, student: str, notes: tuple = ()) -> dict:
    """Inspect and sanitise one submission, run it in the sandbox and judge it, and
    prepare its autograded folder and gradebook rows (``bookkeeping.prepare``; ``notes``:
    the collection's notes on it). Returns plain data; the main process stores it."""
    # the course root's references, for the catalogued mistakes judged on wrong outputs
    with reference.using(ctx.root / "solutions"):
        out = _grade_submission(ctx, student)
    if "verdicts" in out and not ctx.converter_reference:
        notebook = out.pop("notebook")
        notes_md = notes_markdown(list(notes) + out["notes"], out["incidents"],
                                  out["tampering"])
        try:
            out["rows"] = bookkeeping.prepare(ctx.config, ctx.root, ctx.assignment, student,
                                              notebook, notes_md, ctx.gradebook_url)
        except Exception:  # noqa: BLE001 -- nbgrader's failure on this learner only
            out["bookkeeping_error"] = traceback.format_exc()
    return out


def _grade_submission(ctx: WorkerContext, student: str) -> dict:
    root, a = ctx.root, ctx.assignment
    folder = root / "autograder" / "submitted" / student / a
    prep = inspect(folder / f"{a}.ipynb", root, ctx.config, a, ctx.release,
                   ctx.gradebook_url)
    prep.student = student
    out = {"student": student, "notes": prep.notes, "rejected": prep.rejected}
    if prep.rejected:
        return out
    work = root / steps.SCRATCH / a / "work" / student
    shutil.rmtree(work, ignore_errors=True)
    (work / "sub").mkdir(parents=True)
    skipped = copy_submitted_files(folder, work / "sub", ctx.limits)
    if skipped:
        out["notes"] = out["notes"] + [skipped]
    nb = prep.notebook
    plan = plan_run(nb)
    language = submission_language(nb)
    try:
        run = run_notebook(work, plan.cells, a, ctx.sandbox, ctx.limits, language)
        with using_language(language):
            judged = judge_run(nb, plan, run, ctx.judge, ctx.graded, ctx.instances, work)
    finally:
        if not ctx.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    graded = steps.graded_notebook(nb, judged.cell_outputs, ctx.config, a, student,
                                   ctx.gradebook_url)
    out.update(notebook=graded,
               verdicts={gid: v.as_dict() for gid, v in judged.verdicts.items()},
               incidents=judged.incidents + run.incidents,
               tampering=judged.tampering, grader_error=judged.grader_error,
               attempts=run.attempts, seconds=round(run.seconds, 2),
               exec_seconds=round(sum(c.secs for c in run.cells.values()), 3),
               limits=run.limits, peak_mb=run.peak_mb)
    return out


def feedback(ctx: WorkerContext, student: str) -> tuple[str, dict]:
    """nbgrader generate_feedback for one student (gradebook reads only)."""
    return student, steps.generate_feedback(ctx.config, ctx.assignment, student)


def copy_submitted_files(folder: Path, dest: Path, limits: Limits) -> str:
    """Copy the files submitted beside the notebook (helper modules, data) for the
    sandbox: regular files only, no links, within a budget. Returns a note for the
    learner if some were left out."""
    budget = limits.submission_mb << 20
    left_out = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_symlink() or not path.is_file() or path.suffix == ".ipynb" \
                or "__pycache__" in rel.parts or ".ipynb_checkpoints" in rel.parts:
            left_out += path.is_symlink() or (path.is_file() and path.suffix != ".ipynb")
            continue
        size = path.lstat().st_size
        if size > budget or any(p.is_symlink() for p in path.parents if folder in p.parents):
            left_out += 1
            continue
        budget -= size
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target, follow_symlinks=False)
    if not left_out:
        return ""
    return (f"{left_out} file(s) submitted beside the notebook were not available to it "
            f"when graded (links, or more than {limits.submission_mb} MB in total).")
