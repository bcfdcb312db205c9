"""The gradebook on PostgreSQL (issue 24): ``scripts/postgres.sh`` runs Debian's server
for the module (started and stopped here, as an instructor would), and
``autograder/pipeline/gradebook_db.py`` points grading and export at it.

The same submissions of two chapters are graded twice: each chapter alone on the
embedded SQLite gradebook (the reference), and both chapters at once, by two
``python -m autograder.grade`` processes on one course root and one fresh PostgreSQL
gradebook, with the same learners in both chapters. Every score must be the reference's.
Then a regrade of one learner on PostgreSQL must change nobody else's grade, and
``python -m autograder.export`` must give the same Canvas file from either database.
The races the two runs would hit (creating nbgrader's schema, adding the same learner)
are also tested on their own, where they can be made to collide every time.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import pytest

from course import REPO, Course, mutant_source, mutants, nbgrader_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("postgres")]

CHAPTERS = ("ch01", "ch03")
SCRIPT = REPO / "scripts" / "postgres.sh"


def script(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True,
                          text=True, timeout=120)


def postmaster_processes(data: Path) -> list[int]:
    """Processes whose command line names the cluster's data folder."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if str(data).encode() in (proc / "cmdline").read_bytes():
                    found.append(int(proc.name))
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def server():
    """A PostgreSQL cluster in a fresh folder under /tmp (the server's user must be able
    to enter it), started by the project's script; stopped and removed at the end."""
    folder = Path(tempfile.mkdtemp(prefix="rnncourse-pg-"))
    env = {**os.environ, "RNNCOURSE_PG_DIR": str(folder)}
    env.pop("RNNCOURSE_DB_URL", None)
    try:
        started = script("start", env=env)
        assert started.returncode == 0, started.stderr
        url = started.stdout.strip().splitlines()[-1]
        password = (folder / "pgpass").read_text().strip().rsplit(":", 1)[1]
        from sqlalchemy.engine import make_url
        parts = make_url(url)
        # the same database, the password in the URL: what must never be printed
        secret_url = parts.set(password=password, query={}).render_as_string(
            hide_password=False)
        yield {"url": url, "secret_url": secret_url, "env": env, "folder": folder,
               "password": password}
    finally:   # also when start failed half-way
        script("stop", env=env)
        shutil.rmtree(folder, ignore_errors=True)


def submissions(course: Course, chapter: str) -> dict:
    """alice: every answer right; bob: one catalogued mistake; carol: the release as
    handed out; dan: not a notebook (rejected)."""
    function, _name, path = mutants(chapter)[0]
    return {"alice": course.filled(chapter),
            "bob": course.filled(chapter, {function: mutant_source(chapter, function, path)}),
            "carol": course.release(chapter),
            "dan": b"{ not json"}


def write_batch(folder: Path, chapter: str, batch: dict) -> Path:
    for student, nb in batch.items():
        (folder / student).mkdir(parents=True)
        path = folder / student / f"{chapter}.ipynb"
        if isinstance(nb, bytes):
            path.write_bytes(nb)
        else:
            nbformat.write(nb, path)
    return folder


def new_course(root: Path) -> Course:
    course = Course(root, list(CHAPTERS))
    course.copy_release()
    return course


def grade_command(course: Course, chapter: str, batch: Path, *extra: str,
                  feedback: bool = False) -> list[str]:
    return [sys.executable, "-m", "autograder.grade", chapter, str(batch), "--root",
            str(course.root), "--jobs", "1", "-q", *extra,
            *([] if feedback else ["--no-feedback"])]


def scores(url: str, chapter: str) -> dict[str, dict[str, float]]:
    """student -> {grade id: score} of one chapter, read from the gradebook at ``url``."""
    from nbgrader.api import Gradebook
    from autograder.pipeline.gradebook_db import read_only_url
    out = {}
    with Gradebook(read_only_url(url), "") as gb:
        for sub in gb.assignment_submissions(chapter):
            out[sub.student.id] = {g.name: float(g.score or 0.0)
                                   for nb in sub.notebooks for g in nb.grades}
    return out


def sqlite_url(course: Course) -> str:
    return "sqlite:///" + str(course.root / "autograder" / "gradebook.db")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Each chapter graded alone on the SQLite gradebook (RNNCOURSE_DB_URL unset)."""
    root = tmp_path_factory.mktemp("pg-reference")
    course = new_course(root / "course")
    env = nbgrader_env()
    env.pop("RNNCOURSE_DB_URL", None)
    batches = {}
    for ch in CHAPTERS:
        batches[ch] = submissions(course, ch)
        batch = write_batch(root / f"in-{ch}", ch, batches[ch])
        proc = subprocess.run(grade_command(course, ch, batch, "--jobs", "2"), cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=1200)
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    return {"course": course, "batches": batches,
            "scores": {ch: scores(sqlite_url(course), ch) for ch in CHAPTERS}}


@pytest.fixture(scope="module")
def concurrent(server, reference, tmp_path_factory):
    """Both chapters graded at once on one course root and one PostgreSQL gradebook
    (named by a URL with the password in it)."""
    root = tmp_path_factory.mktemp("pg-concurrent")
    course = new_course(root / "course")
    env = {**nbgrader_env(), "RNNCOURSE_DB_URL": server["secret_url"]}
    procs = {}
    started = time.monotonic()
    for ch in CHAPTERS:
        batch = write_batch(root / f"in-{ch}", ch, reference["batches"][ch])
        procs[ch] = subprocess.Popen(grade_command(course, ch, batch), cwd=REPO, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
    outputs = {ch: p.communicate(timeout=1200) for ch, p in procs.items()}
    return {"course": course, "procs": procs, "outputs": outputs, "env": env,
            "seconds": time.monotonic() - started}


def test_two_chapters_graded_at_once_on_postgres_score_as_each_alone_on_sqlite(
        concurrent, reference, server):
    for ch, proc in concurrent["procs"].items():
        out, err = concurrent["outputs"][ch]
        assert proc.returncode == 0, f"{ch}:\n{out[-2000:]}\n{err[-4000:]}"
    assert not (concurrent["course"].root / "autograder" / "gradebook.db").exists()
    for ch in CHAPTERS:
        got, want = scores(server["url"], ch), reference["scores"][ch]
        differ = {(s, gid): (cells.get(gid), want.get(s, {}).get(gid))
                  for s, cells in got.items() for gid in cells
                  if cells.get(gid) != want.get(s, {}).get(gid)}
        assert got == want, f"{ch}: (postgres, sqlite) differ on {differ}"
        # the batch has every kind of outcome, so equal scores say something
        totals = {s: sum(v.values()) for s, v in got.items()}
        assert sorted(totals) == ["alice", "bob", "carol", "dan"]
        assert totals["alice"] > totals["bob"] > 0 and totals["carol"] == totals["dan"] == 0
        verdicts = concurrent["course"].root / "autograder" / "reports" / ch / "verdicts"
        assert {p.stem: json.loads(p.read_text())["status"] for p in verdicts.glob("*.json")} \
            == {"alice": "graded", "bob": "graded", "carol": "graded", "dan": "rejected"}


def test_the_password_is_in_no_output_or_report(concurrent, server):
    assert server["password"] and server["password"] not in server["url"]
    for out, err in concurrent["outputs"].values():
        assert server["password"] not in out + err
    reports = concurrent["course"].root / "autograder" / "reports"
    for path in reports.rglob("*"):
        if path.is_file():
            assert server["password"].encode() not in path.read_bytes(), path


def test_canvas_export_from_postgres_is_the_one_from_sqlite(concurrent, reference, server):
    ch = CHAPTERS[1]
    env = {k: v for k, v in concurrent["env"].items() if k != "RNNCOURSE_DB_URL"}
    texts = []
    for course, extra in ((reference["course"], []),
                          (concurrent["course"], ["--db-url", server["url"]])):
        proc = subprocess.run([sys.executable, "-m", "autograder.export", "canvas", ch,
                               "--per-question", "-o", "-", "--root", str(course.root),
                               *extra], cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert server["password"] not in proc.stdout + proc.stderr
        texts.append(proc.stdout)
    assert texts[0] == texts[1]
    assert texts[1].count("\n") == 1 + 4 + 1   # header, points possible, four learners


def test_export_names_the_server_when_it_cannot_reach_it(server, tmp_path):
    from sqlalchemy.engine import make_url
    dead = make_url(server["secret_url"]).set(port=1).render_as_string(hide_password=False)
    proc = subprocess.run([sys.executable, "-m", "autograder.export", "canvas", "ch01",
                           "-o", "-", "--root", str(new_course(tmp_path).root),
                           "--db-url", dead], cwd=REPO, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "cannot open the gradebook" in proc.stderr and "postgres.sh start" in proc.stderr
    assert "rnncourse:***@127.0.0.1:1/" in proc.stderr
    assert server["password"] not in proc.stdout + proc.stderr


def test_a_regrade_on_postgres_changes_nobody_elses_grade(concurrent, reference, server,
                                                          tmp_path):
    course = concurrent["course"]
    before = {ch: scores(server["url"], ch) for ch in CHAPTERS}
    ch = CHAPTERS[0]
    # alice resubmits bob's notebook (one mistake): only her ch01 grade may move. The
    # gradebook named by --db-url this time; workers render her feedback from it.
    batch = write_batch(tmp_path / "again", ch, {"alice": reference["batches"][ch]["bob"]})
    env = {k: v for k, v in concurrent["env"].items() if k != "RNNCOURSE_DB_URL"}
    proc = subprocess.run(grade_command(course, ch, batch, "--student", "alice", "--db-url",
                                        server["url"], feedback=True),
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert not (course.root / "autograder" / "gradebook.db").exists()
    html = (course.root / "autograder" / "feedback" / "alice" / ch / f"{ch}.html").read_text()
    bob_total = sum(reference["scores"][ch]["bob"].values())
    assert f"Score: {bob_total:g}" in html or f"{bob_total:g} / " in html, html[:3000]
    after = {c: scores(server["url"], c) for c in CHAPTERS}
    assert after[ch]["alice"] == reference["scores"][ch]["bob"] != before[ch]["alice"]
    after[ch]["alice"] = before[ch]["alice"]
    assert after == before


def test_workers_read_postgres_but_cannot_write(concurrent, server, tmp_path):
    from nbgrader.api import Gradebook, InvalidEntry
    from autograder.pipeline import gradebook_db
    url = gradebook_db.for_workers(server["url"], tmp_path)
    assert not list(tmp_path.iterdir())     # no copy: the server itself, read-only
    with Gradebook(url) as gb:
        assert gb.find_notebook(CHAPTERS[0], CHAPTERS[0]).grade_cells
        with pytest.raises(InvalidEntry, match="read-only transaction"):
            gb.add_student("mallory")
    assert "mallory" not in scores(server["url"], CHAPTERS[0])


def test_adding_a_learner_two_runs_add_at_once_never_fails(server):
    """A run holding an uncommitted insert of a learner while another adds the same
    learner: nbgrader's own add fails on the unique key; ``ensure_students`` waits and
    goes on."""
    import psycopg
    from nbgrader.api import Gradebook, InvalidEntry
    from autograder.pipeline import gradebook_db
    from sqlalchemy.engine import make_url
    parts = make_url(server["url"])
    conninfo = dict(host=parts.host, port=parts.port, dbname=parts.database,
                    user=parts.username, passfile=parts.query["passfile"])

    def collide(student: str, add) -> list:
        errors = []
        with psycopg.connect(**conninfo) as holder:   # the other run, mid-transaction
            holder.execute("INSERT INTO student (id) VALUES (%s)", (student,))

            def other():
                try:
                    add(student)
                except Exception as exc:  # noqa: BLE001 -- what the test looks for
                    errors.append(exc)
            thread = threading.Thread(target=other)
            thread.start()
            time.sleep(1.0)                # the other insert now waits on the key
            holder.commit()
            thread.join(60)
        return errors

    def nbgrader_add(student):
        with Gradebook(server["url"]) as gb:
            gb.add_student(student)

    errors = collide("zoe", nbgrader_add)
    assert len(errors) == 1 and isinstance(errors[0], InvalidEntry)   # the race is real
    assert collide("yan", lambda s: gradebook_db.ensure_students(server["url"], [s])) == []
    gradebook_db.ensure_students(server["url"], ["yan", "xia"])   # one new, one there
    with Gradebook(gradebook_db.read_only_url(server["url"]), "") as gb:
        assert {"xia", "yan", "zoe"} <= {s.id for s in gb.students}


def _prepare(url: str) -> str:
    from autograder.pipeline import gradebook_db
    try:
        gradebook_db.prepare(url)
        return ""
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


def test_two_runs_on_an_empty_database_create_the_schema_once(server):
    """Four processes open an empty gradebook (its own PostgreSQL schema) at once."""
    import multiprocessing
    import psycopg
    from sqlalchemy.engine import make_url
    parts = make_url(server["url"])
    with psycopg.connect(host=parts.host, port=parts.port, dbname=parts.database,
                         user=parts.username, passfile=parts.query["passfile"],
                         autocommit=True) as conn:
        conn.execute("CREATE SCHEMA fresh")
    url = parts.update_query_dict({"options": "-c search_path=fresh"}).render_as_string(
        hide_password=False)
    with multiprocessing.get_context("fork").Pool(4) as pool:
        assert pool.map(_prepare, [url] * 4) == [""] * 4
    with psycopg.connect(host=parts.host, port=parts.port, dbname=parts.database,
                         user=parts.username, passfile=parts.query["passfile"]) as conn:
        assert conn.execute("SELECT count(*) FROM fresh.alembic_version").fetchone() == (1,)
        # nbgrader's own default course, and the one its commands name ("")
        assert sorted(conn.execute("SELECT id FROM fresh.course").fetchall()) \
            == [("",), ("default_course",)]


def test_stop_leaves_nothing_running(server):
    data = server["folder"] / "data"
    assert postmaster_processes(data)
    stopped = script("stop", env=server["env"])
    assert stopped.returncode == 0, stopped.stderr
    assert script("status", env=server["env"]).returncode == 3
    assert not postmaster_processes(data)
    assert not (data / "postmaster.pid").exists()


def test_cells_go_back_to_the_released_order_whatever_order_the_database_gives(monkeypatch):
    """nbgrader stores no cell order and PostgreSQL returns updated rows in another order
    than SQLite: ``Canonicalise`` must take the order from the released notebook."""
    from autograder.pipeline import repairs
    names = ["intro", "answer", "test_answer", "outro"]
    stored = {n: {"meta": {"grade": n.startswith("test"), "solution": n == "answer",
                           "task": False}, "locked": n != "answer", "cell_type": "code"}
              for n in reversed(names)}                     # the database's order
    monkeypatch.setattr(repairs, "release_cells", lambda resources, config=None: stored)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(n, metadata={"nbgrader": {"grade_id": n}})
                for n in names]
    resources = {"nbgrader": {"cell_order": names}}
    nb, _ = repairs.Canonicalise()(nb, resources)
    assert [c.source for c in nb.cells] == names


def test_graded_cells_come_in_the_released_order_whatever_order_the_database_gives(
        tmp_path):
    """A verdict lists cells in the order of ``graded_cells``: the released notebook's,
    not the gradebook's (cells added in reverse here, as PostgreSQL may return them)."""
    from nbgrader.api import Gradebook
    from autograder.pipeline import nbgrader_steps as steps
    names = ["test_a", "test_b", "written_x", "test_c"]
    (tmp_path / "autograder").mkdir()
    with Gradebook(f"sqlite:///{tmp_path / 'autograder' / 'gradebook.db'}") as gb:
        gb.add_assignment("chXX")
        gb.add_notebook("chXX", "chXX")
        for name in reversed(names):
            gb.add_grade_cell(name, "chXX", "chXX", max_score=1, cell_type="code")
    assert [c for c in steps.graded_cells(tmp_path, "chXX")] != names  # the database's
    assert list(steps.graded_cells(tmp_path, "chXX", order=names)) == names
    # a cell the release does not name (an instructor's edit) comes after, by name
    assert list(steps.graded_cells(tmp_path, "chXX", order=names[1:])) == [*names[1:],
                                                                           "test_a"]
