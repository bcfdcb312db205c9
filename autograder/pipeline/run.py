"""One grading round: collect, sandbox in parallel, judge outside, write nbgrader's
gradebook serially, feedback, CSV, report.

Threads run the sandboxes (each thread waits on one bubblewrap process, so the cores
go to the notebooks); the main thread alone talks to the gradebook, one student after
another in a fixed order, while later students are still running. Only the students
of this round are touched: regrading one learner changes nobody else's grade.
"""
from __future__ import annotations

import ast
import concurrent.futures
import dataclasses
import json
import multiprocessing
import os
import re
import resource
import shutil
import sys
import textwrap
import time
from pathlib import Path

import nbformat
from nbgrader import utils

from autograder.pipeline import canary, collect as collect_mod, nbgrader_fast
from autograder.pipeline import nbgrader_steps as steps
from autograder.pipeline.copies import resolve_copies
from autograder.pipeline.execute import NotebookRun, run_notebook
from autograder.pipeline.judge import (CellVerdict, Judge, UnjudgeableTest,
                                       other_test_calls, parse_checks)
from autograder.pipeline.sandbox import Limits, Sandbox, snapshot_package

BASELINE = "__import__('autograder.pipeline.canary', fromlist=['baseline']).baseline()"
PROBE = "__import__('autograder.pipeline.canary', fromlist=['probe']).probe({label!r})"
CANARY_OFFSET = 100_000
END_CANARY = 10_000_000


@dataclasses.dataclass
class Options:
    assignment: str
    root: Path
    submissions: Path | None = None
    students: set[str] | None = None
    jobs: int = os.cpu_count() or 1
    limits: Limits = dataclasses.field(default_factory=Limits)
    trusted: bool = False
    feedback: bool = True
    progress: bool = True
    keep_work: bool = False   # keep each submission's work folder (for debugging)


@dataclasses.dataclass
class Prepared:
    student: str
    notes: list[str]
    notebook: object | None = None   # sanitised NotebookNode
    rejected: str = ""


def reports_dir(root: Path, assignment: str) -> Path:
    return root / "autograder" / "reports" / assignment


# ----------------------------------------------------------------------------- inspect

def _grade_ids(nb: dict) -> list[str]:
    out = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if isinstance(meta, dict) and meta.get("grade_id"):
            out.append(str(meta["grade_id"]))
    return out


def _other_assignments(root: Path, assignment: str) -> dict[str, set[str]]:
    found = {}
    for path in sorted((root / "solutions").glob("*/*.ipynb")):
        if path.parent.name != assignment:
            try:
                found[path.parent.name] = set(_grade_ids(json.loads(path.read_text())))
            except (OSError, ValueError):
                pass
    return found


def inspect(path: Path, root: Path, cfg, assignment: str, release: dict, url: str
            ) -> Prepared:
    """Read a submitted notebook and say what is wrong with it (Prepared.rejected) or
    what nbgrader will repair (Prepared.notes); sanitise it as nbgrader will."""
    student = path.parent.parent.name
    prep = Prepared(student, [])
    if not path.exists():
        prep.rejected = f"No notebook named '{assignment}.ipynb' was submitted."
        return prep
    raw = path.read_bytes()
    if not raw.strip():
        prep.rejected = f"'{path.name}' is an empty file, not a notebook."
        return prep
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        prep.rejected = (f"'{path.name}' is not a valid notebook: it is not valid JSON "
                         f"({str(exc)[:200]}). Was it saved correctly?")
        return prep
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 -- any unreadable notebook
        prep.rejected = f"'{path.name}' is not a Jupyter notebook ({str(exc)[:200]})."
        return prep
    ids = _grade_ids(data)
    graded_or_answer = {gid for gid, cell in release.items()
                        if cell["meta"].get("grade") or cell["meta"].get("solution")}
    if not set(ids) & graded_or_answer:
        others = [name for name, theirs in _other_assignments(root, assignment).items()
                  if set(ids) & theirs]
        prep.rejected = (f"This is not the {assignment} notebook: none of its cells belong "
                         f"to {assignment}"
                         + (f" (it looks like the notebook of {', '.join(others)})" if others
                            else "") + ". Submit the notebook of this assignment.")
        return prep
    prep.notes += resolve_copies(nb, release)  # before nbgrader's DeduplicateIds
    prep.notes += _repairs(nb, release)
    try:
        prep.notebook = steps.sanitize(nb, cfg, assignment, student, url)
    except Exception as exc:  # noqa: BLE001
        prep.rejected = f"nbgrader could not read the notebook's cell metadata ({exc})."
    return prep


def _repairs(nb, release: dict) -> list[str]:
    """What nbgrader will undo in this notebook, in words for the learner."""
    notes = []
    seen = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        gid = meta.get("grade_id")
        if gid not in release:
            continue
        seen.append(gid)
        want = release[gid]
        changed = [k for k in ("grade", "solution", "locked", "points")
                   if meta.get(k, want["meta"].get(k)) != want["meta"].get(k)]
        if changed:
            notes.append(f"The nbgrader metadata of cell '{gid}' was changed "
                         f"({', '.join(changed)}); the original was restored.")
        if want["locked"] and cell.source.strip() != want["source"].strip():
            notes.append(f"The locked cell '{gid}' was edited; the original was restored.")
    for gid, want in release.items():
        if want["meta"].get("grade") and gid not in seen:
            notes.append(f"The test cell '{gid}' was missing; it was put back.")
    order = [g for g in release if g in seen]
    if [g for g in seen if g in release and seen.count(g) == 1] != \
            [g for g in order if seen.count(g) == 1]:
        notes.append("Cells were moved; the notebook was graded in the original order.")
    return notes


def _release_cells(root: Path, assignment: str) -> dict[str, dict]:
    path = root / steps.SCRATCH / "release" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(path, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade_id"):
            out[meta["grade_id"]] = {"source": cell.source, "meta": dict(meta),
                                     "locked": utils.is_locked(cell)}
    return out


# ----------------------------------------------------------------------------- sandbox

HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                    re.S | re.M)


def split_hidden(source: str) -> tuple[str, list[dict] | None]:
    """(the test cell without its hidden block, the block's calls as data).

    The sandbox never receives the hidden tests' source: a hidden block made only of
    ``check("chNN.f", globals(), key=literal...)`` and ``gradcheck(...)`` statements is
    sent as the list of those calls, which the runner makes itself. A block with any
    other code cannot be sent that way: the second item is then None (the caller sends
    the whole source, and says so in the docs)."""
    calls: list[dict] = []
    match = HIDDEN.search(source)
    if match is None:
        return source, []
    try:
        tree = ast.parse(textwrap.dedent(match.group(1)))
    except SyntaxError:
        return source, None
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id in ("check", "gradcheck") and len(call.args) == 2
                and isinstance(call.args[0], ast.Constant)
                and isinstance(call.args[0].value, str)
                and isinstance(call.args[1], ast.Call) and not call.args[1].args
                and isinstance(call.args[1].func, ast.Name)
                and call.args[1].func.id == "globals"):
            return source, None
        try:
            kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
        except ValueError:
            return source, None
        if None in kwargs:
            return source, None
        # as a Python literal, not JSON: a tuple shape must stay a tuple
        calls.append({"fn": call.func.id, "name": call.args[0].value,
                      "kwargs": repr(kwargs)})
    visible = source[:match.start()] + source[match.end():]
    return visible, calls


def _cells_to_run(nb) -> tuple[list[dict], dict[int, str]]:
    """Code cells to run, with the baseline first and a canary before every graded cell
    and at the end; and {run position: canary label}. Graded cells go without their
    hidden block, which travels as data (:func:`split_hidden`)."""
    cells = [{"i": -1, "source": BASELINE, "kind": "baseline"}]
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        entry = {"i": i, "source": cell.source, "kind": "code"}
        if utils.is_grade(cell):
            label = cell.metadata["nbgrader"]["grade_id"]
            cells.append({"i": CANARY_OFFSET + i, "source": PROBE.format(label=label),
                          "kind": "canary", "label": label})
            visible, hidden = split_hidden(cell.source)
            if hidden is not None:
                entry.update(source=visible, hidden=hidden)
        cells.append(entry)
    cells.append({"i": END_CANARY, "source": PROBE.format(label="end"), "kind": "canary",
                  "label": "end"})
    return cells, {}


def _canary_findings(cells: list[dict], run: NotebookRun) -> tuple[int | None, str]:
    """(position in the run of the first canary that did not come back intact, why)."""
    for pos, cell in enumerate(cells):
        if cell["kind"] == "baseline":
            continue
        if cell["kind"] != "canary":
            continue
        result = run.cells[cell["i"]]
        errors = [o for o in result.outputs if o.get("output_type") == "error"]
        if result.status == "error" and errors and errors[-1].get("ename") == "CanaryIntact" \
                and errors[-1].get("evalue") == run.token(cell["label"], result.attempt):
            continue
        if errors and errors[-1].get("ename") == "TamperAlarm":
            return pos, str(errors[-1].get("evalue"))
        if result.status in ("timeout", "crashed", "not-run"):
            if result.status == "not-run":
                return None, ""
            return pos, f"the integrity check could not run ({result.detail})"
        if errors:
            return pos, (f"the integrity check failed with {errors[-1].get('ename')} "
                         "instead of its expected error")
        return pos, ("the integrity check did not run as written (blanked or rewritten "
                     "by an input or AST transformer?)")
    return None, ""


def _verdict_outputs(verdict: CellVerdict) -> list[dict]:
    if verdict.status == "passed":
        return [{"output_type": "stream", "name": "stdout",
                 "text": f"{verdict.grade_id}: {verdict.reason}; judged outside your "
                         "notebook against the reference.\n"}]
    return [{"output_type": "error", "ename": "CheckFailure", "evalue": verdict.reason,
             "traceback": [f"CheckFailure: {verdict.reason}"]}]


_CTX: dict = {}  # set by grade() before the worker processes are forked


def _work(student: str) -> dict:
    """Worker process: inspect and sanitise one submission, run it in the sandbox and
    judge it. Returns plain data; the main process turns it into gradebook entries."""
    ctx = _CTX
    opts: Options = ctx["opts"]
    root, a = opts.root, opts.assignment
    prep = inspect(root / "autograder" / "submitted" / student / a / f"{a}.ipynb",
                   root, ctx["cfg"], a, ctx["release"], ctx["url"])
    prep.student = student
    out = {"student": student, "notes": prep.notes, "rejected": prep.rejected}
    if prep.rejected:
        return out
    work = root / steps.SCRATCH / a / "work" / student
    shutil.rmtree(work, ignore_errors=True)
    (work / "sub").mkdir(parents=True)
    skipped = _copy_submitted_files(root / "autograder" / "submitted" / student / a,
                                    work / "sub", opts.limits)
    if skipped:
        out["notes"] = out["notes"] + [skipped]
    nb = prep.notebook
    cells, _ = _cells_to_run(nb)
    try:
        run = run_notebook(work, cells, a, ctx["sandbox"], opts.limits)
        result = _judge_run(prep, nb, cells, run, ctx["judge"], ctx["graded"],
                            ctx["instances"], work)
    finally:
        if not opts.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    graded = steps.graded_notebook(nb, result["cell_outputs"], ctx["cfg"], a, student,
                                   ctx["url"])
    out.update(notebook=graded,
               verdicts={gid: v.as_dict() for gid, v in result["verdicts"].items()},
               incidents=result["incidents"] + run.incidents,
               tampering=result["tampering"], grader_error=result["grader_error"],
               attempts=run.attempts, seconds=round(run.seconds, 2),
               exec_seconds=round(sum(c.secs for c in run.cells.values()), 3),
               limits=run.limits, peak_mb=run.peak_mb)
    return out


def _copy_submitted_files(folder: Path, dest: Path, limits: Limits) -> str:
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


def _limit_worker_memory(megabytes: int) -> None:
    """Pool initializer: a judging worker parses what sandboxes recorded under its own
    address-space limit."""
    value = megabytes << 20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(resource.RLIMIT_AS, (value, hard))


def _judge_run(prep, nb, cells, run: NotebookRun, judge: Judge, graded: dict,
               instances: dict, work: Path) -> dict:
    position = {cell["i"]: pos for pos, cell in enumerate(cells)}
    tamper_pos, tamper_why = _canary_findings(cells, run)
    if run.protocol_violation:
        tamper_why = tamper_why or run.protocol_violation
        tamper_pos = tamper_pos if tamper_pos is not None else 0
    baseline = run.cells.get(-1)
    grader_error = run.grader_error
    if not grader_error and (baseline is None or baseline.status != "ok"):
        grader_error = f"the grading kernel could not start ({baseline.detail if baseline else ''})"
    answer_cell = {}
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and meta.get("grade_id"):
            answer_cell[meta["grade_id"]] = i
    verdicts: dict[str, CellVerdict] = {}
    cell_outputs: dict[int, tuple[list, int | None]] = {}
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        result = run.cells.get(i)
        outputs = list(result.outputs) if result else []
        if result and result.status in ("timeout", "crashed"):
            outputs.append({"output_type": "error", "ename": "GradingStopped",
                            "evalue": result.detail, "traceback": [result.detail]})
        elif result and result.status == "not-run":
            outputs = [{"output_type": "stream", "name": "stdout",
                        "text": f"[not run: {result.detail}]\n"}]
        if tamper_pos is not None and position[i] > tamper_pos and not utils.is_grade(cell):
            outputs = [{"output_type": "stream", "name": "stdout",
                        "text": "[outputs withheld: the grading kernel was tampered with "
                                "before this cell]\n"}]
        cell_outputs[i] = (outputs, result.count if result else None)
        if not utils.is_grade(cell):
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        points = graded[gid]["points"]
        insts = instances.get(gid)
        if grader_error:
            verdict = CellVerdict(gid, points, 0.0, "grader-error",
                                  "The grader failed on this notebook; your instructor "
                                  "will look at it.")
        elif tamper_pos is not None and position[CANARY_OFFSET + i] >= tamper_pos:
            verdict = CellVerdict(gid, points, 0.0, "tampered",
                                  "Not graded: the notebook tampered with the grading "
                                  f"kernel before this test ran ({tamper_why}).")
        elif result is None or result.status == "not-run":
            verdict = CellVerdict(gid, points, 0.0, "not-run",
                                  f"This test did not run: {result.detail if result else ''}.")
        elif result.status in ("timeout", "crashed"):
            verdict = CellVerdict(gid, points, 0.0, result.status,
                                  f"This test did not finish: {result.detail}.")
        elif isinstance(insts, UnjudgeableTest) or insts is None:
            verdict = CellVerdict(gid, points, 0.0, "grader-error",
                                  f"The grader cannot read this test ({insts}).")
        else:
            folder = work / "rec" / f"a{result.attempt}" / f"c{i}"
            verdict = judge.judge_cell(gid, points, insts,
                                       folder if folder.is_dir() else None)
            inside = other_test_calls(graded[gid]["source"])
            errors = [o for o in result.outputs if o.get("output_type") == "error"]
            if verdict.status == "passed" and inside and errors:
                # e.g. a chapter's gradcheck: judged in the kernel (the canary guards it)
                verdict = CellVerdict(gid, points, 0.0, "failed",
                                      f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
                                      f" (from {', '.join(inside)}, run in your notebook)")
        if verdict.status != "passed" and not isinstance(insts, (UnjudgeableTest, type(None))):
            for function in dict.fromkeys(inst.function for inst in insts):
                j = answer_cell.get(function)
                broken = run.cells.get(j) if j is not None else None
                if broken and broken.status in ("timeout", "crashed", "not-run"):
                    verdict.reason += (f"\nNote: the cell defining {function} did not finish "
                                       f"({broken.detail}) and was skipped.")
        verdicts[gid] = verdict
        cell_outputs[i] = (_verdict_outputs(verdict), result.count if result else None)
    incidents = []
    for i, cell in enumerate(nb.cells):
        result = run.cells.get(i)
        if result and result.status in ("timeout", "crashed", "not-run") \
                and not utils.is_grade(cell):
            gid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i + 1}")
            incidents.append(f"'{gid}' did not finish: {result.detail}.")
    tampering = tamper_why if tamper_pos is not None or tamper_why else ""
    if run.flags:
        tampering = "; ".join(([tampering] if tampering else []) + run.flags)
    return {"run": run, "verdicts": verdicts, "cell_outputs": cell_outputs,
            "tampering": tampering,
            "incidents": incidents, "grader_error": grader_error}


# ----------------------------------------------------------------------------- main

def _notes_markdown(notes: list[str], incidents: list[str], tampering: str) -> str:
    """The grading-notes cell; notes hold learner-controlled strings (file names, grade
    ids, error messages), each shown as literal text."""
    from autograder.pipeline.clean import escape_markdown
    lines = []
    if tampering:
        lines.append(f"- **The grading kernel was tampered with**: "
                     f"{escape_markdown(tampering)}. Tests run after that score 0.")
    lines += [f"- {escape_markdown(n)}" for n in notes]
    lines += [f"- {escape_markdown(n)}" for n in incidents]
    return "### Grading notes\n\n" + "\n".join(lines) if lines else ""


class Progress:
    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled and total > 0
        self.start = time.monotonic()

    def step(self, label: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.monotonic() - self.start
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                         f" graded, {elapsed:5.1f} s  {label[:40]:<40}")
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


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


def _feedback(student: str) -> tuple[str, dict]:
    """Worker process: nbgrader generate_feedback for one student (gradebook reads only)."""
    opts: Options = _CTX["opts"]
    return student, steps.generate_feedback(_CTX["cfg"], opts.assignment, student)


def _pool(jobs: int, memory_mb: int) -> concurrent.futures.ProcessPoolExecutor:
    # fork: workers inherit the loaded reference, expected outputs and config; the
    # gradebook is not open at this point, so no sqlite connection crosses a fork.
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=max(1, jobs), mp_context=multiprocessing.get_context("fork"),
        initializer=_limit_worker_memory, initargs=(memory_mb,))


def grade(opts: Options) -> dict:
    """Grade one assignment's submissions; returns {student: verdict dict}."""
    root, a = opts.root.resolve(), opts.assignment
    opts.root = root
    nbgrader_fast.install()
    os.environ["RNNCOURSE_SOLUTIONS"] = str(root / "solutions")
    os.environ.pop("RNNCOURSE_RECORD_DIR", None)
    bin_dir = str(Path(sys.executable).parent)  # nbgrader shells out to alembic
    if bin_dir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    cfg = steps.load_config(root)
    lib = snapshot_package(root / steps.SCRATCH / "sandbox")
    sandbox = Sandbox(lib, opts.limits, trusted=opts.trusted)
    sandbox.check()
    steps.ensure_assignment(root, cfg, a)
    collected = {}
    if opts.submissions is not None:
        collected = collect_mod.collect(opts.submissions, root / "autograder" / "submitted",
                                        a, opts.students)
    students = _students(opts, collected)
    graded = steps.graded_cells(root, a)
    instances: dict[str, object] = {}
    judge = Judge(a)
    for gid, info in graded.items():
        try:
            instances[gid] = parse_checks(info["source"])
            for inst in instances[gid]:
                judge.expected(inst)
        except UnjudgeableTest as exc:
            instances[gid] = exc
    # Workers read a copy of the gradebook; only this process opens the real one.
    copy = root / steps.SCRATCH / a / "gradebook-read-copy.db"
    shutil.copyfile(root / "autograder" / "gradebook.db", copy)
    _CTX.update(opts=opts, cfg=cfg, sandbox=sandbox, judge=judge, graded=graded,
                instances=instances, release=_release_cells(root, a),
                url="sqlite:///" + str(copy))
    out_dir = reports_dir(root, a)
    (out_dir / "verdicts").mkdir(parents=True, exist_ok=True)
    progress = Progress(len(students), opts.progress)
    results: dict[str, dict] = {}
    with _pool(opts.jobs, opts.limits.judge_memory_mb) as pool:
        futures = {s: pool.submit(_work, s) for s in students}
        for s in students:  # fixed order: gradebook writes from this process only
            notes = collected.get(s, collect_mod.Collected(s)).notes
            results[s] = _finish(s, notes, futures[s], opts, cfg, graded)
            (out_dir / "verdicts" / f"{s}.json").write_text(json.dumps(results[s], indent=1))
            progress.step(s)
        if opts.feedback:
            for s, res in pool.map(_feedback, students):
                if not res["success"]:
                    results[s]["feedback_error"] = str(res.get("error"))[-2000:]
    steps.export_csv(root, cfg, out_dir / "grades.csv")
    from autograder.pipeline import report
    report.write(root, a, out_dir)
    return results


def _finish(student: str, notes: list[str], future, opts: Options, cfg, graded: dict
            ) -> dict:
    """Main process: gradebook entries for one student, from the sandboxed run."""
    root, a = opts.root, opts.assignment
    max_score = sum(c["points"] for c in graded.values())
    verdict = {"student": student, "assignment": a, "status": "graded", "reason": "",
               "score": 0.0, "max_score": max_score, "notes": list(notes),
               "incidents": [], "tampering": "", "cells": {}}
    try:
        result = future.result()
    except Exception as exc:  # noqa: BLE001 -- one broken run must not stop the batch
        result = {"rejected": "", "grader_exception": f"{type(exc).__name__}: {exc}"}
    verdict["notes"] += result.get("notes", [])
    if result.get("rejected"):
        steps.record_rejected(root, cfg, a, student, result["rejected"])
        verdict.update(status="rejected", reason=result["rejected"],
                       cells={gid: CellVerdict(gid, c["points"], 0.0, "rejected",
                                               result["rejected"]).as_dict()
                              for gid, c in graded.items()})
        return verdict
    if result.get("grader_exception"):
        steps.record_rejected(root, cfg, a, student, "The grader failed on this notebook; "
                              "your instructor will look at it.")
        verdict.update(status="grader-error", reason=result["grader_exception"])
        return verdict
    notes_md = _notes_markdown(verdict["notes"], result["incidents"], result["tampering"])
    payload = {"notebook": result["notebook"],
               "notes": notes_md}
    outcome = steps.autograde(root, cfg, a, student, payload)
    scores = {gid: v["score"] for gid, v in result["verdicts"].items()}
    status = "grader-error" if result["grader_error"] else "graded"
    reason = result["grader_error"]
    if not outcome["success"]:
        status = "grader-error"
        reason = f"nbgrader autograde failed: {str(outcome.get('error'))[-1500:]}"
        steps.record_rejected(root, cfg, a, student, "The grader failed on this notebook; "
                              "your instructor will look at it.")
        scores = {gid: 0.0 for gid in graded}
    steps.write_scores(root, a, student, scores, needs_manual=status == "grader-error")
    verdict.update(status=status, reason=reason, score=sum(scores.values()),
                   cells=result["verdicts"], incidents=result["incidents"],
                   tampering=result["tampering"], attempts=result["attempts"],
                   seconds=result["seconds"], exec_seconds=result["exec_seconds"],
                   limits=result.get("limits", ""), peak_mb=result.get("peak_mb"))
    return verdict
