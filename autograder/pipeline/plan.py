"""What the sandbox runs for one notebook, in order: the run plan.

The learner's code cells, in notebook order, with cells of the grader's own around
them: a baseline cell before any learner code, and a canary probe before every graded
test cell and at the end (``canary.py``). A graded test cell goes without its hidden
block, whose ``check``/``gradcheck`` calls travel as data (:func:`split_hidden`).

Every cell of the plan is a :class:`RunCell`; its ``position`` in the plan is its name
on the sandbox's protocol and in the recordings' folders, so a cell's kind never has to
be read from its number.
"""
from __future__ import annotations

import ast
import dataclasses
import functools
import re
import textwrap

from nbgrader import utils

BASELINE = "__import__('autograder.pipeline.canary', fromlist=['baseline']).baseline()"
PROBE = "__import__('autograder.pipeline.canary', fromlist=['probe']).probe({label!r})"
END_LABEL = "end"


@dataclasses.dataclass(frozen=True)
class RunCell:
    """One cell the sandbox runs."""

    position: int                 # place in the run; the cell's id on the protocol
    notebook_index: int | None    # the notebook cell it runs (a probe: the graded cell
                                  # it guards); None for the baseline and the end probe
    kind: str                     # "baseline" | "code" | "canary"
    source: str
    label: str = ""               # a canary's label (the grade id it guards, or "end")
    hidden: tuple = ()            # a graded cell's hidden check calls, as data

    @property
    def is_learner_code(self) -> bool:
        return self.kind == "code"


@dataclasses.dataclass(frozen=True)
class RunPlan:
    """The cells of one run, and where each notebook cell and its probe are in it."""

    cells: tuple[RunCell, ...]

    def code_position(self, notebook_index: int) -> int | None:
        """Position of the notebook's code cell ``notebook_index`` (None: not run)."""
        return self._code.get(notebook_index)

    def probe_position(self, notebook_index: int) -> int | None:
        """Position of the canary probe that runs just before graded cell
        ``notebook_index``."""
        return self._probes.get(notebook_index)

    @property
    def baseline(self) -> RunCell:
        return self.cells[0]

    @functools.cached_property
    def _code(self) -> dict[int, int]:
        return {c.notebook_index: c.position for c in self.cells if c.kind == "code"}

    @functools.cached_property
    def _probes(self) -> dict[int, int]:
        return {c.notebook_index: c.position for c in self.cells
                if c.kind == "canary" and c.notebook_index is not None}


HIDDEN = re.compile(r"^[ \t]*### BEGIN HIDDEN TESTS[^\n]*\n(.*?)^[ \t]*### END HIDDEN TESTS[^\n]*\n?",
                    re.S | re.M)


def _literal_test_call(stmt: ast.stmt) -> dict | None:
    """``{"fn", "name", "kwargs"}`` of a statement ``check("chNN.f", globals(),
    key=literal...)`` (or ``gradcheck``), else None."""
    call = stmt.value if isinstance(stmt, ast.Expr) else None
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in ("check", "gradcheck") and len(call.args) == 2
            and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)
            and isinstance(call.args[1], ast.Call) and not call.args[1].args
            and isinstance(call.args[1].func, ast.Name)
            and call.args[1].func.id == "globals"):
        return None
    try:
        kwargs = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    except ValueError:
        return None
    if None in kwargs:
        return None
    # as a Python literal, not JSON: a tuple shape must stay a tuple
    return {"fn": call.func.id, "name": call.args[0].value, "kwargs": repr(kwargs)}


def split_hidden(source: str) -> tuple[str, list[dict] | None]:
    """(the test cell without its hidden block, the block's calls as data).

    The sandbox never receives the hidden tests' source: a hidden block made only of
    ``check("chNN.f", globals(), key=literal...)`` and ``gradcheck(...)`` statements is
    sent as the list of those calls, which the runner makes itself. A block with any
    other code cannot be sent that way: the second item is then None (the caller sends
    the whole source, and says so in the docs)."""
    match = HIDDEN.search(source)
    if match is None:
        return source, []
    try:
        tree = ast.parse(textwrap.dedent(match.group(1)))
    except SyntaxError:
        return source, None
    calls = [_literal_test_call(stmt) for stmt in tree.body]
    if None in calls:
        return source, None
    visible = source[:match.start()] + source[match.end():]
    return visible, calls


def plan_run(nb) -> RunPlan:
    """The run plan of a sanitised notebook: the baseline first, a canary probe before
    every graded cell and at the end, the code cells in order."""
    cells: list[RunCell] = []

    def add(**fields) -> None:
        cells.append(RunCell(position=len(cells), **fields))

    add(notebook_index=None, kind="baseline", source=BASELINE)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        source, hidden = cell.source, []
        if utils.is_grade(cell):
            label = cell.metadata["nbgrader"]["grade_id"]
            add(notebook_index=i, kind="canary", source=PROBE.format(label=label),
                label=label)
            visible, calls = split_hidden(cell.source)
            if calls is not None:
                source, hidden = visible, calls
        add(notebook_index=i, kind="code", source=source, hidden=tuple(hidden))
    add(notebook_index=None, kind="canary", source=PROBE.format(label=END_LABEL),
        label=END_LABEL)
    return RunPlan(tuple(cells))
