"""Verdicts: from one sandboxed run to a score and a reason for every graded cell.

The canary probes say up to where the kernel can be trusted; the outside judge
(``judge.py``) decides each graded cell from the recordings; cells that did not finish,
or whose answer cell did not, say so. The outputs of every cell, as the autograded
notebook and the feedback show them, are decided here too.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from nbgrader import utils
from rnnkit.i18n import _

from autograder.pipeline.safe_markdown import escape_markdown
from autograder.pipeline.execute import NotebookRun
from autograder.pipeline.grader_error import GRADER_FAILED, describe
from autograder.pipeline.judge import CellVerdict, Judge, other_test_calls
from autograder.pipeline.plan import RunPlan

STOPPED = ("timeout", "crashed", "not-run")


@dataclasses.dataclass
class JudgedRun:
    verdicts: dict[str, CellVerdict]
    cell_outputs: dict[int, tuple[list, int | None]]   # notebook index -> (outputs, count)
    tampering: str
    incidents: list[str]
    grader_error: str      # the whole notebook could not be graded (the grader's fault)


def canary_findings(plan: RunPlan, run: NotebookRun) -> tuple[int | None, str]:
    """(position in the run of the first canary that did not come back intact, why)."""
    for cell in plan.cells:
        if cell.kind != "canary":
            continue
        result = run.cells[cell.position]
        errors = [o for o in result.outputs if o.get("output_type") == "error"]
        if result.status == "error" and errors and errors[-1].get("ename") == "CanaryIntact" \
                and errors[-1].get("evalue") == run.token(cell.label, result.attempt):
            continue
        if errors and errors[-1].get("ename") == "TamperAlarm":
            return cell.position, str(errors[-1].get("evalue"))
        if result.status in ("timeout", "crashed"):
            return cell.position, f"the integrity check could not run ({result.detail})"
        if result.status == "not-run":
            return None, ""
        if errors:
            return cell.position, (f"the integrity check failed with "
                                   f"{errors[-1].get('ename')} instead of its expected error")
        return cell.position, ("the integrity check did not run as written (blanked or "
                               "rewritten by an input or AST transformer?)")
    return None, ""


def verdict_outputs(verdict: CellVerdict) -> list[dict]:
    """What a graded cell shows in the autograded notebook and the feedback."""
    if verdict.status == "passed":
        return [{"output_type": "stream", "name": "stdout",
                 "text": _("{grade_id}: {reason}; judged outside your notebook against "
                           "the reference.").format(grade_id=verdict.grade_id,
                                                    reason=verdict.reason) + "\n"}]
    ename = "GraderError" if verdict.status == "grader-error" else "CheckFailure"
    return [{"output_type": "error", "ename": ename, "evalue": verdict.reason,
             "traceback": [f"{ename}: {verdict.reason}"]}]


def notes_markdown(notes: list[str], incidents: list[str], tampering: str) -> str:
    """The grading-notes cell; notes hold learner-controlled strings (file names, grade
    ids, error messages), each shown as literal text."""
    lines = []
    if tampering:
        lines.append(f"- **The grading kernel was tampered with**: "
                     f"{escape_markdown(tampering)}. Tests run after that score 0.")
    lines += [f"- {escape_markdown(n)}" for n in notes]
    lines += [f"- {escape_markdown(n)}" for n in incidents]
    return "### Grading notes\n\n" + "\n".join(lines) if lines else ""


def _shown_outputs(result, withheld: bool) -> list[dict]:
    """A code cell's outputs as the feedback shows them."""
    if withheld:
        return [{"output_type": "stream", "name": "stdout",
                 "text": "[outputs withheld: the grading kernel was tampered with "
                         "before this cell]\n"}]
    outputs = list(result.outputs) if result else []
    if result and result.status in ("timeout", "crashed"):
        outputs.append({"output_type": "error", "ename": "GradingStopped",
                        "evalue": result.detail, "traceback": [result.detail]})
    elif result and result.status == "not-run":
        outputs = [{"output_type": "stream", "name": "stdout",
                    "text": f"[not run: {result.detail}]\n"}]
    return outputs


def _unjudgeable(gid: str, points: float, problem) -> CellVerdict:
    """A graded cell whose check() calls the grader could not list: ``problem`` is what
    went wrong (``grader_error.describe``)."""
    if not isinstance(problem, dict):
        problem = describe(f"reading the test cell {gid}",
                           LookupError(f"no check() calls were listed for {gid}"))
    return CellVerdict(gid, points, 0.0, "grader-error", _(GRADER_FAILED),
                       grader_error=problem)


def judge_run(nb, plan: RunPlan, run: NotebookRun, judge: Judge, graded: dict,
              instances: dict, work: Path) -> JudgedRun:
    """Every graded cell's verdict and every code cell's shown outputs."""
    tamper_pos, tamper_why = canary_findings(plan, run)
    if run.protocol_violation:
        tamper_why = tamper_why or run.protocol_violation
        tamper_pos = tamper_pos if tamper_pos is not None else 0
    baseline = run.cells.get(plan.baseline.position)
    grader_error = run.grader_error
    if not grader_error and (baseline is None or baseline.status != "ok"):
        grader_error = f"the grading kernel could not start ({baseline.detail if baseline else ''})"
    answer_cell = {cell.metadata["nbgrader"]["grade_id"]: i for i, cell in enumerate(nb.cells)
                   if cell.metadata.get("nbgrader", {}).get("solution")
                   and cell.metadata["nbgrader"].get("grade_id")}
    verdicts: dict[str, CellVerdict] = {}
    cell_outputs: dict[int, tuple[list, int | None]] = {}
    incidents = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        pos = plan.code_position(i)
        result = run.cells.get(pos)
        withheld = tamper_pos is not None and pos > tamper_pos and not utils.is_grade(cell)
        cell_outputs[i] = (_shown_outputs(result, withheld), result.count if result else None)
        if not utils.is_grade(cell):
            if result and result.status in STOPPED:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id", f"cell {i + 1}")
                incidents.append(f"'{gid}' did not finish: {result.detail}.")
            continue
        gid = cell.metadata["nbgrader"]["grade_id"]
        points = graded[gid]["points"]
        insts = instances.get(gid)
        if grader_error:
            verdict = CellVerdict(gid, points, 0.0, "grader-error",
                                  _("The grader failed on this notebook; your instructor "
                                    "will look at it."))
        elif tamper_pos is not None and plan.probe_position(i) >= tamper_pos:
            verdict = CellVerdict(gid, points, 0.0, "tampered",
                                  _("Not graded: the notebook tampered with the grading "
                                    "kernel before this test ran ({why}).").format(
                                        why=tamper_why))
        elif result is None or result.status == "not-run":
            verdict = CellVerdict(gid, points, 0.0, "not-run",
                                  _("This test did not run: {detail}.").format(
                                      detail=result.detail if result else ''))
        elif result.status in ("timeout", "crashed"):
            verdict = CellVerdict(gid, points, 0.0, result.status,
                                  _("This test did not finish: {detail}.").format(
                                      detail=result.detail))
        elif not isinstance(insts, list):
            verdict = _unjudgeable(gid, points, insts)
        else:
            verdict = _judge_cell(judge, gid, points, insts, graded[gid]["source"],
                                  result, work / "rec" / f"a{result.attempt}" / f"c{pos}")
        if verdict.status not in ("passed", "grader-error") and isinstance(insts, list):
            for function in dict.fromkeys(inst.function for inst in insts):
                j = answer_cell.get(function)
                broken = run.cells.get(plan.code_position(j)) if j is not None else None
                if broken and broken.status in STOPPED:
                    verdict.reason += "\n" + _(
                        "Note: the cell defining {function} did not finish ({detail}) and "
                        "was skipped.").format(function=function, detail=broken.detail)
        verdicts[gid] = verdict
        cell_outputs[i] = (verdict_outputs(verdict), result.count if result else None)
    tampering = tamper_why if tamper_pos is not None or tamper_why else ""
    if run.flags:
        tampering = "; ".join(([tampering] if tampering else []) + run.flags)
    return JudgedRun(verdicts, cell_outputs, tampering, incidents, grader_error)


def _judge_cell(judge: Judge, gid: str, points: float, insts: list, source: str, result,
                folder: Path) -> CellVerdict:
    """The outside judge's verdict on a graded cell that ran, and what its other test
    calls (a chapter's ``gradcheck``) said inside the kernel."""
    verdict = judge.judge_cell(gid, points, insts, folder if folder.is_dir() else None)
    inside = other_test_calls(source)
    errors = [o for o in result.outputs if o.get("output_type") == "error"]
    if verdict.status == "passed" and inside and errors:
        # e.g. a chapter's gradcheck: judged in the kernel (the canary guards it)
        verdict = CellVerdict(gid, points, 0.0, "failed",
                              f"{errors[0].get('ename')}: {errors[0].get('evalue')}"
                              + _(" (from {calls}, run in your notebook)").format(
                                  calls=', '.join(inside)))
    return verdict
