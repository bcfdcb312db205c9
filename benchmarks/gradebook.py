"""Grading two chapters: one after the other on the SQLite gradebook, one after the other
on PostgreSQL, and both at once on PostgreSQL (issue 24). Prints a table; asserts nothing.

    python benchmarks/gradebook.py [--n 10] [--chapters ch01 ch03]
    python benchmarks/bench.py gradebook

Each round is ``python -m autograder.grade CH SUBMISSIONS --jobs 1 --no-feedback`` on a
fresh course root (the two concurrent rounds share one root), with n generated
submissions per chapter (a quarter right, the rest one catalogued mistake each). The
server is started and stopped with ``scripts/postgres.sh`` in a temporary folder.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from grading import make_submissions, new_course  # noqa: E402
from course import Course, nbgrader_env  # noqa: E402


def _round(root: Path, chapter: str, subs: Path, url: str | None) -> list[str]:
    argv = [sys.executable, "-m", "autograder.grade", chapter, str(subs), "--root",
            str(root), "--jobs", "1", "--no-feedback", "-q"]
    return argv + (["--db-url", url] if url else [])


def _run_all(commands: list[list[str]], at_once: bool) -> tuple[float, list[int]]:
    start = time.perf_counter()
    if at_once:
        procs = [subprocess.Popen(c, cwd=REPO, env=nbgrader_env(), stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for c in commands]
        codes = [p.wait() for p in procs]
    else:
        codes = [subprocess.run(c, cwd=REPO, env=nbgrader_env(), capture_output=True).returncode
                 for c in commands]
    return time.perf_counter() - start, codes


def bench(n: int = 10, chapters: tuple[str, ...] = ("ch01", "ch03")) -> list[list]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="rnncourse-gradebook-") as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, 0o711)   # the server's user enters its cluster folder
        env = {**os.environ, "RNNCOURSE_PG_DIR": str(tmp / "pg")}
        url = subprocess.run(["bash", str(REPO / "scripts" / "postgres.sh"), "start"],
                             env=env, check=True, capture_output=True,
                             text=True).stdout.split()[-1]
        try:
            subs = {}
            for ch in chapters:
                subs[ch] = tmp / f"subs-{ch}"
                make_submissions(new_course(tmp / f"make-{ch}", ch), ch, n, subs[ch])
            for label, db, at_once in (("SQLite, one after the other", None, False),
                                       ("PostgreSQL, one after the other", url, False),
                                       ("PostgreSQL, both at once", url, True)):
                root = tmp / label.replace(" ", "_").replace(",", "")
                Course(root, list(chapters))   # config and sources; nothing graded
                if db is not None:   # a fresh gradebook for each row: its own schema
                    schema = "s" + str(len(rows))
                    _create_schema(url, schema)
                    db = _with_search_path(url, schema)
                seconds, codes = _run_all([_round(root, ch, subs[ch], db) for ch in chapters],
                                          at_once)
                rows.append([label, len(chapters) * n, seconds,
                             "ok" if codes == [0] * len(codes) else f"exit {codes}"])
        finally:
            subprocess.run(["bash", str(REPO / "scripts" / "postgres.sh"), "stop"], env=env)
    return rows


def _with_search_path(url: str, schema: str) -> str:
    from sqlalchemy.engine import make_url
    return make_url(url).update_query_dict({"options": f"-c search_path={schema}"}) \
        .render_as_string(hide_password=False)


def _create_schema(url: str, schema: str) -> None:
    import sqlalchemy
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=10, help="submissions per chapter")
    p.add_argument("--chapters", nargs=2, default=["ch01", "ch03"])
    args = p.parse_args(argv)
    rows = bench(args.n, tuple(args.chapters))
    print(f"\n## Two chapters' rounds by gradebook ({os.cpu_count()} cores, --jobs 1 each)\n")
    print("| gradebook, rounds | submissions | seconds | |")
    print("|---|---|---|---|")
    for label, count, seconds, note in rows:
        print(f"| {label} | {count} | {seconds:.1f} | {note} |")


if __name__ == "__main__":
    main()
