"""The grading pipeline's rooms: the run plan names its cells by kind and position (no
magic ids), a worker gets everything it needs in a picklable WorkerContext, and a batch
grades alike with the fork and the spawn start method (``python -m autograder.grade
--start-method``)."""
from __future__ import annotations

import dataclasses
import json
import pickle
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import REPO, Course, nbgrader_env

from autograder.pipeline.plan import BASELINE, END_LABEL, plan_run


def _release():
    return nbformat.read(REPO / "exercises" / "ch01" / "ch01.ipynb", as_version=4)


def test_the_run_plan_says_what_each_cell_is():
    nb = _release()
    plan = plan_run(nb)
    assert [c.position for c in plan.cells] == list(range(len(plan.cells)))
    assert plan.baseline.kind == "baseline" and plan.baseline.source == BASELINE
    end = plan.cells[-1]
    assert (end.kind, end.label, end.notebook_index) == ("canary", END_LABEL, None)
    graded = [i for i, c in enumerate(nb.cells)
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert graded and [c.notebook_index for c in plan.cells if c.kind == "code"] == code
    for i in graded:
        probe, test = plan.probe_position(i), plan.code_position(i)
        assert test == probe + 1, "the probe runs just before the graded cell"
        assert plan.cells[probe].label == nb.cells[i].metadata["nbgrader"]["grade_id"]
        # the hidden block travels as data, never as source
        assert "### BEGIN HIDDEN" not in plan.cells[test].source
    assert all(plan.probe_position(i) is None for i in code if i not in graded)


def _course(root: Path) -> tuple[Course, Path]:
    course = Course(root / "course", ["ch01"])
    course.copy_release("ch01")
    subs = root / "subs"
    for name, nb in (("solution", course.filled("ch01")), ("release", course.release("ch01"))):
        (subs / name).mkdir(parents=True)
        nbformat.write(nb, subs / name / "ch01.ipynb")
    return course, subs


def _grade(course: Course, subs: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
         str(course.root), "--jobs", "2", "-q", "--no-feedback", *args],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=900)


def _verdicts(course: Course) -> dict:
    folder = course.root / "autograder" / "reports" / "ch01" / "verdicts"
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


@pytest.mark.slow
def test_spawn_grades_as_fork_does(tmp_path):
    course, subs = _course(tmp_path)
    by_method = {}
    for method in ("fork", "spawn"):
        proc = _grade(course, subs, "--start-method", method)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
        verdicts = _verdicts(course)
        by_method[method] = ({s: {g: (c["score"], c["status"]) for g, c in v["cells"].items()}
                              for s, v in verdicts.items()}, course.scores("ch01"))
    fork, spawn = by_method["fork"], by_method["spawn"]
    assert spawn == fork
    cells, gradebook = fork
    maxima = course.max_scores("ch01")
    assert gradebook["solution"] == maxima and set(cells) == {"solution", "release"}
    assert all(score == 0 for score in gradebook["release"].values())


def test_a_worker_context_survives_pickling(tmp_path, monkeypatch):
    """What the spawn start method does to the context: pickled and rebuilt, it still
    holds the judge's reference outputs and the sandbox's description."""
    from autograder.pipeline.judge import Judge, parse_checks
    from autograder.pipeline.sandbox import Limits, Sandbox
    from autograder.pipeline.worker import WorkerContext
    monkeypatch.setenv("RNNCOURSE_SOLUTIONS", str(REPO / "solutions"))
    judge = Judge("ch01")
    insts = parse_checks('check("ch01.softmax", globals(), seeds=[3, 4])')
    for inst in insts:
        judge.expected(inst)
    ctx = WorkerContext("ch01", tmp_path, Limits(), False, None, {}, "sqlite://",
                        Sandbox(tmp_path, Limits()), judge, {}, {"test_softmax": insts})
    back = pickle.loads(pickle.dumps(ctx))
    assert back.instances == ctx.instances and back.sandbox.lib == tmp_path
    for inst in insts:
        got, mutated = back.judge.expected(inst)
        want, _ = judge.expected(inst)
        assert got.keys() == want.keys() and all((got[k] == want[k]).all() for k in got)
    with pytest.raises(dataclasses.FrozenInstanceError):
        back.assignment = "ch02"


_ENV_UNCHANGED = """
import dataclasses, json, os, sys
from pathlib import Path
from autograder.pipeline import run
from autograder.pipeline.sandbox import Limits
before = dict(os.environ)
opts = run.Options("ch01", Path(sys.argv[1]), Path(sys.argv[2]), jobs=2,
                   feedback=False, progress=False)
kept = dataclasses.replace(opts)
results = run.grade(opts)
print(json.dumps({"env_changed": sorted(k for k in set(before) | set(os.environ)
                                        if before.get(k) != os.environ.get(k)),
                  "opts_kept": opts == kept,
                  "scores": {s: v["score"] for s, v in results.items()}}))
"""


@pytest.mark.slow
def test_grading_changes_neither_the_environment_nor_the_options(tmp_path):
    """``grade()`` leaves ``os.environ`` and its options as it found them, and needs no
    ``alembic`` on ``PATH`` (nbgrader's database revision is read in-process): run here
    with a PATH that holds only the system's folders."""
    course, subs = _course(tmp_path)
    env = {**nbgrader_env(), "PATH": "/usr/bin:/bin"}
    env.pop("RNNCOURSE_SOLUTIONS", None)
    proc = subprocess.run([sys.executable, "-c", _ENV_UNCHANGED, str(course.root), str(subs)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["env_changed"] == [] and out["opts_kept"], out
    maxima = course.max_scores("ch01")
    assert out["scores"]["solution"] == sum(maxima.values()) and out["scores"]["release"] == 0


def test_nbgrader_reads_its_database_revision_without_a_subprocess(monkeypatch):
    """The in-process revision is the one the ``alembic heads`` command prints, and once
    installed a gradebook's revision needs no ``alembic`` on PATH."""
    import nbgrader.api
    from nbgrader.dbutil import _temp_alembic_ini
    from autograder.pipeline import nbgrader_fast
    bin_dir = Path(sys.executable).parent
    with _temp_alembic_ini("sqlite:////nonexistent/gradebook.db") as ini:
        printed = subprocess.run([str(bin_dir / "alembic"), "-c", ini, "heads"],
                                 capture_output=True, text=True, check=True).stdout
    head_by_command = printed.split()[0]
    assert nbgrader_fast.alembic_head() == head_by_command
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    nbgrader_fast.install()
    assert nbgrader.api.get_alembic_version() == head_by_command
