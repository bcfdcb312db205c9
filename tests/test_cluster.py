"""Grading on a real Dask cluster (``python -m autograder.grade ... --cluster``): a
``dask scheduler`` and two ``dask worker`` processes on loopback, started with the
venv's own commands (``tests/dask_cluster.py``).

- The cluster grades a chapter 1 batch (honest, a helper module beside the notebook, a
  wrong answer, the untouched release, invalid JSON, a tampering and a crashing
  notebook) exactly as the local pool does: verdicts, notes, scores, and, compared with
  tests/test_bookkeeping.py's helpers, every row of the gradebook, the autograded
  folders (prepared on the workers, sent back as data: bytes and file modes) and the
  feedback.
- A worker SIGKILLed (with everything it started) in the middle of a batch loses no
  submission and counts none twice: every learner is in the gradebook once, with the
  right scores.
- With the gradebook on PostgreSQL (``--db-url``), and with ``--converter-reference``,
  the cluster grades as the local pool does on SQLite (its default route).
- A worker whose course sources differ is refused by name, and an unreachable
  scheduler is a clear error; in both cases nothing is written.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course import (REPO, Course, mutant_source, mutants, nbgrader_env, solution_sources)
from dask_cluster import LocalCluster, free_port
import test_postgres

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dask-cluster")]
server = test_postgres.server   # a PostgreSQL server of this module's own (started on use)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    local = LocalCluster(tmp_path_factory.mktemp("dask") / "logs")
    try:
        local.add_worker("w1")
        local.add_worker("w2")
        yield local
    finally:
        local.close()


def _course(root: Path) -> Course:
    course = Course(root, ["ch01"])
    course.copy_release("ch01")
    return course


def _grade(course: Course, subs: Path, *args: str, wait: bool = True,
           feedback: bool = False):
    argv = [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
            str(course.root), "-q", *([] if feedback else ["--no-feedback"]), *args]
    if not wait:
        return subprocess.Popen(argv, cwd=REPO, env=nbgrader_env(), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return subprocess.run(argv, cwd=REPO, env=nbgrader_env(), capture_output=True,
                          text=True, timeout=900)


def _verdicts(course: Course) -> dict:
    import json
    folder = course.root / "autograder" / "reports" / "ch01" / "verdicts"
    return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}


def _judged(verdict: dict) -> dict:
    """What a verdict decides (not how long it took, nor where)."""
    return {k: verdict[k] for k in ("status", "reason", "score", "notes", "tampering")} | {
        "cells": {g: (c["score"], c["status"], c.get("reason", ""))
                  for g, c in verdict["cells"].items()}}


def _write(subs: Path, student: str, nb=None, raw: str | None = None,
           files: dict | None = None, name: str = "ch01.ipynb") -> None:
    folder = subs / student
    folder.mkdir(parents=True)
    if raw is not None:
        (folder / name).write_text(raw)
    else:
        nbformat.write(nb, folder / name)
    for name, text in (files or {}).items():
        (folder / name).write_text(text)
    # a fixed submission time: the gradebooks of two rounds can be compared row by row
    (folder / "timestamp.txt").write_text("2026-01-05 10:00:00.000000 UTC")


def _batch(course: Course, subs: Path) -> None:
    src = solution_sources("ch01")
    _write(subs, "honest", course.filled("ch01"))
    _write(subs, "helper-module", course.filled("ch01", {"softmax": "from mysoftmax import softmax\n"}),
           files={"mysoftmax.py": "import numpy as np\n\n" + src["softmax"]})
    function, _, patch = mutants("ch01")[0]
    # under another name: a collection note, which the worker writes into the notebook
    _write(subs, "wrong", course.filled("ch01", {function: mutant_source("ch01", function, patch)}),
           name="ch01 (1).ipynb")
    _write(subs, "release", course.release("ch01"))
    _write(subs, "broken", raw="{not json")
    _write(subs, "tampering", course.filled(
        "ch01", {"softmax": src["softmax"] + "\nnp.allclose = lambda *a, **k: True\n"}))
    _write(subs, "crashing", course.filled(
        "ch01", {"sample_token": src["sample_token"] + "\nimport os\nos._exit(3)\n"}))


def test_the_cluster_grades_as_the_local_pool_does(cluster, tmp_path):
    subs = tmp_path / "subs"
    local, remote = _course(tmp_path / "local"), _course(tmp_path / "remote")
    _batch(local, subs)
    proc = _grade(local, subs, "--jobs", "2", feedback=True)
    assert proc.returncode == 0, proc.stderr[-4000:]
    proc = _grade(remote, subs, "--cluster", cluster.address, feedback=True)
    assert proc.returncode == 0, proc.stderr[-4000:]

    want, got = _verdicts(local), _verdicts(remote)
    assert set(got) == set(want) == {"honest", "helper-module", "wrong", "release",
                                     "broken", "tampering", "crashing"}
    for student in want:
        assert _judged(got[student]) == _judged(want[student]), student
    assert any("graded as 'ch01.ipynb'" in note for note in got["wrong"]["notes"])
    assert remote.scores("ch01") == local.scores("ch01")
    # the gradebook row by row, the autograded folders and the feedback, byte for byte
    # (the cells the grading made have random ids in either route: known_cell_ids)
    from test_bookkeeping import files, gradebook_rows, known_cell_ids
    assert gradebook_rows(remote.root)[0] == gradebook_rows(local.root)[0]
    for part in ("autograded", "feedback"):
        want_files = files(local.root / "autograder" / part, known_cell_ids(local.root))
        got_files = files(remote.root / "autograder" / part, known_cell_ids(remote.root))
        assert set(got_files) == set(want_files), part
        assert got_files == want_files, part
    assert {"honest", "helper-module", "wrong", "tampering"} <= {
        p.split("/")[0] for p in want_files}
    assert "helper-module/ch01/mysoftmax.py" in files(
        remote.root / "autograder" / "autograded", set())
    # the batch says what it should: a wrong check fails the cluster too, not only both
    maxima = local.max_scores("ch01")
    scores = remote.scores("ch01")
    assert scores["honest"] == scores["helper-module"] == maxima
    assert got["broken"]["status"] == "rejected" and got["tampering"]["tampering"]
    assert sum(scores["wrong"].values()) < sum(maxima.values())
    # what the workers received of the gradebook: the assignment, no learner's row
    from autograder.pipeline.cluster import learner_free_gradebook
    copy = tmp_path / "sent.db"
    copy.write_bytes(learner_free_gradebook(remote.root / "autograder" / "gradebook.db"))
    db = sqlite3.connect(copy)
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("student", "submitted_assignment", "grade", "comment",
                        "grade_cells", "source_cell")}
    db.close()
    db = sqlite3.connect(remote.root / "autograder" / "gradebook.db")
    cells = db.execute("SELECT count(*) FROM grade_cells").fetchone()[0]
    db.close()
    assert counts["student"] == counts["submitted_assignment"] == counts["grade"] \
        == counts["comment"] == 0 and counts["grade_cells"] == cells >= len(maxima) \
        and counts["source_cell"] > 0, counts
    # the workers cleaned up after themselves
    assert not list((REPO / "autograder" / ".scratch" / "cluster").glob("*/submitted/*"))


def _graded_once(course: Course) -> dict[str, int]:
    db = sqlite3.connect(course.root / "autograder" / "gradebook.db")
    try:
        return dict(db.execute("SELECT student_id, count(*) FROM submitted_assignment "
                               "GROUP BY student_id"))
    finally:
        db.close()


def _address_space_limits(client, worker: str) -> dict:
    """RLIMIT_AS of a dask worker process and of its grading processes, and how many
    sandboxes (bubblewrap) those run now (same machine)."""
    import psutil  # a dependency of distributed

    def soft(pid: int) -> str:
        line = next(ln for ln in Path(f"/proc/{pid}/limits").read_text().splitlines()
                    if ln.startswith("Max address space"))
        return line.split()[3]
    pid = client.run(os.getpid, workers=[worker])[worker]
    grading = [p for p in psutil.Process(pid).children()
               if "autograder.pipeline.cluster" in " ".join(p.cmdline())]
    sandboxes = [q for p in grading for q in p.children(recursive=True)
                 if q.name() == "bwrap"]
    return {"worker": soft(pid), "grading": [soft(p.pid) for p in grading],
            "sandboxes": len(sandboxes)}


def test_a_worker_killed_mid_batch_loses_and_doubles_nothing(cluster, tmp_path):
    course = _course(tmp_path / "course")
    subs = tmp_path / "subs"
    function, _, patch = mutants("ch01")[0]
    slow = "import time\ntime.sleep(1.5)\n"  # long enough to be sure a task is running
    wrong = {function: slow + mutant_source("ch01", function, patch)}
    students = {f"learner{k}": k % 3 == 2 for k in range(9)}   # name -> wrong?
    for student, is_wrong in students.items():
        _write(subs, student, course.filled(
            "ch01", wrong if is_wrong else {function: slow + solution_sources("ch01")[function]}))
    cluster.add_worker("victim")
    victim = cluster.workers()["victim"]
    proc = _grade(course, subs, "--cluster", cluster.address, wait=False)
    killed, limits = (), {}
    with cluster.client() as client:
        deadline = time.monotonic() + 300
        while not killed and time.monotonic() < deadline and proc.poll() is None:
            if client.processing(workers=[victim]).get(victim, ()):
                limits = _address_space_limits(client, victim)
                if limits["sandboxes"]:   # a notebook is running in the victim's sandbox
                    killed = client.processing(workers=[victim]).get(victim, ())
                    cluster.kill("victim")
            time.sleep(0.1)
    out, err = proc.communicate(timeout=900)
    assert killed, "the victim never ran a task: nothing was tested"
    assert proc.returncode == 0, err[-4000:]
    # the judge's memory limit holds in the grading process, not in the dask worker
    assert limits["worker"] == "unlimited" and limits["grading"] == [str(6144 << 20)], limits

    maxima = course.max_scores("ch01")
    scores, verdicts = course.scores("ch01"), _verdicts(course)
    assert _graded_once(course) == {s: 1 for s in students}
    assert set(verdicts) == set(students)
    for student, is_wrong in students.items():
        assert verdicts[student]["status"] == "graded", verdicts[student]["reason"]
        lost = maxima[f"test_{function}"] if is_wrong else 0.0
        assert sum(scores[student].values()) == sum(maxima.values()) - lost, student
        assert scores[student][f"test_{function}"] == maxima[f"test_{function}"] - lost


def test_a_worker_with_other_sources_is_refused_by_name(cluster, tmp_path):
    # a checkout whose ch01 solution differs from the main process's
    other = tmp_path / "other-checkout"
    shutil.copytree(REPO / "solutions" / "ch01", other / "solutions" / "ch01")
    nb_path = other / "solutions" / "ch01" / "ch01.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells[0].source += "\n"
    nbformat.write(nb, nb_path)
    cluster.add_worker("stranger", env={"RNNCOURSE_COURSE_ROOT": str(other)})
    try:
        stranger = cluster.workers()["stranger"]
        course = _course(tmp_path / "course")
        subs = tmp_path / "subs"
        _write(subs, "honest", course.filled("ch01"))
        proc = _grade(course, subs, "--cluster", cluster.address)
    finally:
        cluster.remove_worker("stranger")
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert f"worker {stranger}" in proc.stderr and "solutions/ch01/ differ" in proc.stderr
    assert str(other) in proc.stderr and "same commit" in proc.stderr
    assert not (course.root / "autograder" / "gradebook.db").exists()
    assert not (course.root / "autograder" / "submitted").exists()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path):
    course = _course(tmp_path / "course")
    subs = tmp_path / "subs"
    _write(subs, "honest", course.filled("ch01"))
    address = f"tcp://127.0.0.1:{free_port()}"   # nobody listens there
    proc = _grade(course, subs, "--cluster", address)
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert f"cannot reach the Dask scheduler at {address}" in proc.stderr
    assert "Nothing was graded" in proc.stderr
    assert not (course.root / "autograder" / "gradebook.db").exists()
    assert not (course.root / "autograder" / "submitted").exists()


def test_a_postgresql_gradebook_grades_on_the_cluster_as_sqlite_locally(
        cluster, server, tmp_path):
    """With the gradebook on PostgreSQL the workers read the same learner-free SQLite
    copy (made from the server's tables): nbgrader's preparation works from it, and the
    scores, verdicts and autograded folders are those of the local pool on SQLite."""
    from test_bookkeeping import files, known_cell_ids
    subs = tmp_path / "subs"
    local, remote = _course(tmp_path / "local"), _course(tmp_path / "remote")
    _write(subs, "honest", local.filled("ch01"))
    function, _, patch = mutants("ch01")[0]
    _write(subs, "wrong", local.filled("ch01", {function: mutant_source("ch01", function, patch)}))
    _write(subs, "broken", raw="{not json")
    proc = _grade(local, subs, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr[-4000:]
    proc = _grade(remote, subs, "--cluster", cluster.address, "--db-url", server["url"])
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert not (remote.root / "autograder" / "gradebook.db").exists()
    assert test_postgres.scores(server["url"], "ch01") == local.scores("ch01", manual=True)
    want, got = _verdicts(local), _verdicts(remote)
    assert {s: _judged(v) for s, v in got.items()} == {s: _judged(v) for s, v in want.items()}
    assert got["honest"]["status"] == "graded" and got["broken"]["status"] == "rejected"
    assert files(remote.root / "autograder" / "autograded", known_cell_ids(remote.root)) \
        == files(local.root / "autograder" / "autograded", known_cell_ids(local.root))


def test_the_converter_reference_route_runs_on_the_cluster(cluster, tmp_path):
    """``--converter-reference`` on a cluster: the worker sends the autograded notebook,
    the main process runs nbgrader's converter on it; the same scores, verdicts and
    autograded folders as the local pool's default route."""
    from test_bookkeeping import files, known_cell_ids
    subs = tmp_path / "subs"
    local, remote = _course(tmp_path / "local"), _course(tmp_path / "remote")
    _write(subs, "honest", local.filled("ch01"))
    function, _, patch = mutants("ch01")[0]
    _write(subs, "wrong", local.filled("ch01", {function: mutant_source("ch01", function, patch)}))
    proc = _grade(local, subs, "--jobs", "1")
    assert proc.returncode == 0, proc.stderr[-4000:]
    proc = _grade(remote, subs, "--cluster", cluster.address, "--converter-reference")
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert remote.scores("ch01", manual=True) == local.scores("ch01", manual=True)
    want, got = _verdicts(local), _verdicts(remote)
    assert {s: _judged(v) for s, v in got.items()} == {s: _judged(v) for s, v in want.items()}
    assert got["honest"]["status"] == "graded" and got["honest"]["score"] > got["wrong"]["score"]
    assert files(remote.root / "autograder" / "autograded", known_cell_ids(remote.root)) \
        == files(local.root / "autograder" / "autograded", known_cell_ids(local.root))
