"""The main process's part of a grading round: verdicts and gradebook entries, in the
fixed order, for every learner whose worker has finished, one chunk at a time.

A chunk is the learners, next in the fixed order, whose runs finish within
``bookkeeping.GATHER_SECONDS`` of the first of them (at most ``bookkeeping.CHUNK``): a
commit costs a database round trip and, on SQLite, a few disk syncs, so it is shared.
Their gradebook rows go in one transaction (``bookkeeping.Gradebooks``), their prepared
folders into ``autograded/``, their verdict files next to the report. The statuses, reasons and
gradebook entries are those of ``run._finish`` (nbgrader's converter per learner, kept
as the reference route): a rejected or crashed submission is recorded as rejected, a
grader error is marked for manual grading, and a learner whose bookkeeping fails is a
grader error of that learner only ("nbgrader autograde failed: ...").
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import json
import shutil
import time
from pathlib import Path

from autograder.pipeline import bookkeeping, collect as collect_mod
from autograder.pipeline import nbgrader_steps as steps
from autograder.pipeline.judge import CellVerdict

GRADER_FAILED_NOTE = "The grader failed on this notebook; your instructor will look at it."


def finish_round(students: list[str], futures: dict, collected: dict, opts, cfg,
                 graded: dict, out_dir: Path, progress, clock) -> dict[str, dict]:
    """Verdicts of every student, in order; gradebook and files written chunk by chunk.
    Waiting on workers is outside ``clock``'s per-submission part."""
    writer = bookkeeping.Gradebooks(opts.root, cfg, opts.assignment)
    results: dict[str, dict] = {}
    pending: list[str] = []

    def flush() -> None:
        with clock.part("per_submission"):
            chunk = [(s, collected.get(s, collect_mod.Collected(s)).notes, futures[s])
                     for s in pending]
            results.update(finish_chunk(chunk, opts, cfg, graded, writer, clock))
            for s in pending:
                (out_dir / "verdicts" / f"{s}.json").write_text(
                    json.dumps(results[s], indent=1))
                progress.step(s)
        clock.submissions += len(pending)
        clock.transactions += 1
        pending.clear()

    since = 0.0
    for s in students:
        if len(pending) >= bookkeeping.CHUNK:
            flush()
        if pending:  # wait a little for company: one commit for several learners
            left = bookkeeping.GATHER_SECONDS - (time.monotonic() - since)
            done, _ = concurrent.futures.wait([futures[s]], timeout=max(0.0, left))
            if not done:
                flush()
        concurrent.futures.wait([futures[s]])
        if not pending:
            since = time.monotonic()
        pending.append(s)
    if pending:
        flush()
    return results


def finish_chunk(chunk: list[tuple], opts, cfg, graded: dict,
                 writer: bookkeeping.Gradebooks, clock=None) -> dict[str, dict]:
    """[(student, collection notes, finished future)] -> {student: verdict}."""
    root, a = opts.root, opts.assignment
    verdicts, entries, failed = {}, [], {}
    for student, notes, future in chunk:
        verdict, entry, failure = _decide(student, notes, future, a, graded)
        verdicts[student] = verdict
        if failure:
            failed[student] = failure
        else:
            entries.append(entry)
    timer = clock.detail if clock else (lambda name: contextlib.nullcontext())
    with timer("gradebook"):
        errors = writer.write(entries)
    for entry in entries:
        s = entry.student
        if s in errors:
            failed[s] = f"nbgrader autograde failed: {errors[s][-1500:]}"
        elif entry.rows is not None:
            try:
                with timer("files"):
                    bookkeeping.install(root, cfg, a, entry.rows)
            except Exception as exc:  # noqa: BLE001 -- this learner's files only
                failed[s] = f"nbgrader autograde failed: {type(exc).__name__}: {exc}"
        else:
            steps.rejected_notebook(root, a, s, entry.rejected)
    for s, reason in failed.items():  # one at a time, as nbgrader's failure was handled
        shutil.rmtree(root / steps.SCRATCH / a / "autograded" / s, ignore_errors=True)
        steps.record_rejected(root, cfg, a, s, GRADER_FAILED_NOTE)
        steps.write_scores(root, a, s, {gid: 0.0 for gid in graded}, needs_manual=True)
        verdicts[s].update(status="grader-error", reason=reason, score=0.0)
    return verdicts


def opening(student: str, notes: list[str], future, a: str, graded: dict
            ) -> tuple[dict, dict]:
    """(verdict, the worker's result) for one finished run, with a rejected submission's
    verdict already complete: shared by both routes (``_decide`` here and the reference
    route's ``run._finish``), so they cannot drift apart. Written answers are
    formgrader's: a rejected verdict lists only the judged cells."""
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
        verdict.update(status="rejected", reason=result["rejected"],
                       cells={gid: CellVerdict(gid, c["points"], 0.0, "rejected",
                                               result["rejected"]).as_dict()
                              for gid, c in graded.items() if not c.get("manual")})
    return verdict, result


def _decide(student: str, notes: list[str], future, a: str, graded: dict):
    """(verdict, gradebook entry, failure reason or "") for one finished run; the same
    verdict as ``run._finish`` gives."""
    verdict, result = opening(student, notes, future, a, graded)
    if result.get("rejected"):
        return verdict, bookkeeping.Entry(student, rejected=result["rejected"]), ""
    if result.get("grader_exception"):
        verdict.update(status="grader-error", reason=result["grader_exception"])
        return verdict, bookkeeping.Entry(student, rejected=GRADER_FAILED_NOTE), ""
    scores = {gid: v["score"] for gid, v in result["verdicts"].items()}
    status = "grader-error" if result["grader_error"] else "graded"
    verdict.update(cells=result["verdicts"])
    manual = True if status == "grader-error" else {
        gid for gid, cell in verdict["cells"].items() if cell.get("grader_error")}
    verdict.update(status=status, reason=result["grader_error"], score=sum(scores.values()),
                   incidents=result["incidents"],
                   tampering=result["tampering"], attempts=result["attempts"],
                   seconds=result["seconds"], exec_seconds=result["exec_seconds"],
                   limits=result.get("limits", ""), peak_mb=result.get("peak_mb"))
    failure = ""
    if result.get("bookkeeping_error"):
        failure = f"nbgrader autograde failed: {result['bookkeeping_error'][-1500:]}"
    return verdict, bookkeeping.Entry(student, result.get("rows"), scores, manual), failure
