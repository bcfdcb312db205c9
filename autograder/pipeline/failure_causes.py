"""Why graded cells failed, as causes that alike failures share (for the instructor's
report, ``report.py``).

A failure's cause is, first that applies:

1. the catalogued mistake the judge named (``mistake`` in the cell's verdict, set from
   ``autograder/mistakes/``), with what the catalogue says about it;
2. a cell that was not judged on its outputs: its status (timed out, crashed, not run,
   tampered, rejected, grader error);
3. the kind of check that failed and on which outputs, read from the reason's lines
   ("lstm_step_backward: dx is wrong ...", in English or Chinese): "wrong values of dx,
   dprev_h", "wrong shape of h";
4. a reason that names no output: not implemented, no result recorded, or, failing
   everything, "another failure" of that test.

Never numbers replaced by a placeholder: two learners with the same bug share a cause
whatever their error sizes. Reasons come from submissions' runs and are untrusted: only
names that look like identifiers are read from them, and only into a cause's key.
"""
from __future__ import annotations

import dataclasses
import re

# Status of a cell not judged on its outputs -> how the report names the cause.
STATUS_CAUSES = {
    "timeout": "the test timed out",
    "crashed": "the kernel crashed",
    "not-run": "the test did not run",
    "tampered": "not graded: the kernel was tampered with",
    "rejected": "the submission was rejected",
    "grader-error": "the grader failed (see Grader errors)",
}

# (kind of check, words that say it in a line "function: output ...", in the kit's
# languages: English and Chinese, as rnnkit's messages and their catalogue word them),
# first match wins.
OUTPUT_KINDS = [
    ("not implemented", ("not implemented yet", "尚未实现", "还没有实现")),
    ("wrong gradient", ("disagrees with the numerical gradient", "与数值梯度不一致")),
    ("wrong shape", ("has shape", "的形状是")),
    ("wrong dtype", ("has dtype", "的 dtype 是")),
    ("NaN or inf in", ("contains", "含有")),
    ("missing", ("is None", "是 None", "is missing", "缺少")),
    ("not an array:", ("should be a numpy array", "subclass of ndarray", "应为 numpy",
                       "ndarray 的子类")),
    ("wrong values of", ("is wrong", "不对")),
]
# Kinds of a whole reason that names no output.
REASON_KINDS = [
    ("not implemented", ("not implemented yet", "尚未实现", "还没有实现")),
    ("no result recorded", ("no result was recorded", "没有记录到结果")),
    ("recorded result unreadable", ("recorded result of this case is unreadable",
                                    "recorded outputs of this case are unreadable")),
    ("changed its inputs in place", ("in place", "原地")),
    ("not defined", ("is not defined in your notebook", "没有定义")),
    ("below the quality bar", ("after training", "must be below")),
]
# "lstm_forward raised ValueError: <the learner's message>": the type, not the message
_RAISED = re.compile(r"^[A-Za-z_]\w{0,60} raised ([A-Za-z_]\w{0,40})")
_LINE = re.compile(r"^(?P<function>[A-Za-z_]\w{0,60})\s?[:：]\s?"
                   r"(?P<output>d?[A-Za-z_]\w{0,40}|d?[A-Za-z_]\w{0,40}\[[^\]]{0,20}\])"
                   r"\s?(?P<rest>.*)$")
_MISTAKE = re.compile(r"^[A-Za-z_]\w{0,60}/[A-Za-z_]\w{0,80}$")


@dataclasses.dataclass(frozen=True)
class Cause:
    key: tuple          # what alike failures share
    title: str          # short, from trusted words and identifier-like names only
    says: str = ""      # the catalogue's words, for a catalogued mistake


def _words_kind(text: str, kinds) -> str | None:
    return next((kind for kind, words in kinds if any(w in text for w in words)), None)


def cause_of(grade_id: str, cell: dict, says: dict[str, str] | None = None) -> Cause:
    """The cause of one failed cell (its verdict dict); ``says`` maps catalogued
    mistakes ("function/name") to the catalogue's words."""
    test = grade_id.removeprefix("test_")
    mistake = cell.get("mistake")
    if isinstance(mistake, str) and _MISTAKE.match(mistake):
        function, name = mistake.split("/")
        return Cause(("mistake", mistake), f"{function}: {name.replace('_', ' ')}",
                     (says or {}).get(mistake, ""))
    status = str(cell.get("status", ""))
    if status in STATUS_CAUSES:
        return Cause(("status", status), STATUS_CAUSES[status])
    reason = str(cell.get("reason", ""))
    raised = _RAISED.match(reason)
    if raised:
        return Cause(("raised", grade_id, raised[1]), f"{test}: raised {raised[1]}")
    found: dict[str, list[str]] = {}       # kind -> outputs, in the reason's order
    function = ""
    for line in reason.splitlines()[:40]:
        match = _LINE.match(line.strip())
        if not match:
            continue
        kind = _words_kind(match["rest"], OUTPUT_KINDS)
        if kind is None:
            continue
        function = function or match["function"]
        outputs = found.setdefault(kind, [])
        if match["output"] not in outputs:
            outputs.append(match["output"])
    if found:
        parts = tuple((kind, tuple(outputs)) for kind, outputs in found.items())
        title = "; ".join(f"{kind} {', '.join(outputs)}" for kind, outputs in parts)
        return Cause(("check", grade_id, parts), f"{test}: {title}")
    kind = _words_kind(reason, REASON_KINDS)
    if kind:
        return Cause(("reason", grade_id, kind), f"{test}: {kind}")
    return Cause(("other", grade_id), f"{test}: another failure")
