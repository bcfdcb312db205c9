"""Performance benchmarks of the course (issue 11). Prints tables; asserts nothing.

    make bench                        # everything below
    python benchmarks/bench.py book   # cold build and cached rebuild of the web book
    python benchmarks/bench.py grade  # grading time per chapter notebook, split in parts
    python benchmarks/bench.py cells  # reference LSTM/GRU forward+backward vs torch
    python benchmarks/bench.py scale  # book build vs chapters; grading vs submissions
    python benchmarks/bench.py gradescale  # only grading vs submissions (10/40/160) x workers
    python benchmarks/bench.py budgets  # cold builds (both editions), graded training CPU, kit size
    python benchmarks/bench.py gradebook  # two chapters' rounds: SQLite, PostgreSQL, both at once

Numbers on a shared 2-core machine are noisy: compare the ratios printed within one run.
torch is optional (``pip install torch==2.13.0``); without it the torch column is empty.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "tests"))


def table(title: str, header: list[str], rows: list[list]) -> None:
    print(f"\n## {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(f"{c:.2f}" if isinstance(c, float) else str(c)
                                for c in row) + " |")
    sys.stdout.flush()


def env_with_bin() -> dict:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}


def chapters() -> list[str]:
    from rnnkit.course import CHAPTERS  # the course manifest
    return list(CHAPTERS)


# --------------------------------------------------------------------------- book
def build_book(root: Path, edition: str = "en") -> float:
    """Seconds to build one edition of the book in ``root`` (the Chinese one after the
    English, as `make book` does)."""
    start = time.perf_counter()
    command = ([str(BIN / "jupyter-book"), "build", str(root), "-W", "-n", "--keep-going"]
               if edition == "en" else
               [str(BIN / "python"), str(root / "scripts" / "i18n.py"), "build"])
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True,
                          env={**env_with_bin(),
                               # the copy's own store of experiment results (book_runs)
                               "RNNCOURSE_BOOK_RUNS": str(root / "_build" / ".book_runs")})
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout[-2000:], proc.stderr[-2000:])
        raise SystemExit("book build failed")
    return elapsed


def copy_repo(dest: Path) -> Path:
    shutil.copytree(REPO, dest, ignore=shutil.ignore_patterns(
        ".venv", "_build", ".git", "__pycache__", ".pytest_cache"))
    return dest


def bench_book() -> tuple[float, float]:
    """Cold builds of both editions of a copy, then one-page-touched and unchanged
    English builds; returns the cold times (English, Chinese)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo(Path(tmp) / "course")
        cold = build_book(root)
        cold_zh = build_book(root, "zh")
        page = root / "book" / "ch01_rnn_basics.md"
        page.write_text(page.read_text() + "\n<!-- touched -->\n")
        cached = build_book(root)
        unchanged = build_book(root)
    table("Book build (every page executed; -W -n --keep-going)",
          ["build", "seconds", "target"],
          [["English, cold (empty caches)", cold, f"<= {BOOK_COLD_BUDGET:.0f}"],
           ["Chinese, cold, after the English", cold_zh, ""],
           ["both editions, cold (make book)", cold + cold_zh,
            f"<= {BOTH_COLD_BUDGET:.0f}"],
           ["English, cached, one page touched", cached, "<= 30"],
           ["English, cached, nothing changed", unchanged, ""]])
    return cold, cold_zh


def toc_chapters(root: Path) -> list[str]:
    return re.findall(r"^\s*- file: (book/ch\d\d_\w+)", (root / "_toc.yml").read_text(),
                      flags=re.M)


def bench_book_scaling() -> None:
    rows = []
    pages = toc_chapters(REPO)
    for k in sorted({1, max(1, len(pages) // 2), len(pages)}):
        with tempfile.TemporaryDirectory() as tmp:
            root = copy_repo(Path(tmp) / "course")
            toc = (root / "_toc.yml").read_text()
            for page in pages[k:]:  # drop later chapters and their exercise sections
                chap = page.split("/")[1][:4]
                toc = re.sub(rf"\n\s*- file: {re.escape(page)}\n\s*sections:\n"
                             rf"\s*- file: exercises/{chap}/{chap}", "", toc)
            (root / "_toc.yml").write_text(toc)
            rows.append([k, build_book(root)])
    table("Cold book build vs number of chapters", ["chapters", "seconds"], rows)


# -------------------------------------------------------------------------- grade
def time_notebook(path: Path) -> dict:
    """Execute a notebook cell by cell; split time into kernel start, code and checks."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}},
                            allow_errors=True)
    parts = {"kernel start": 0.0, "learner code": 0.0, "checks": 0.0, "other cells": 0.0}
    slowest = (0.0, "")
    start = time.perf_counter()
    with client.setup_kernel():
        parts["kernel start"] = time.perf_counter() - start
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            meta = cell.metadata.get("nbgrader", {})
            kind = ("checks" if meta.get("grade") else
                    "learner code" if meta.get("solution") else "other cells")
            t0 = time.perf_counter()
            client.execute_cell(cell, index)
            spent = time.perf_counter() - t0
            parts[kind] += spent
            if kind == "checks" and spent > slowest[0]:
                slowest = (spent, meta.get("grade_id", ""))
    parts["total"] = time.perf_counter() - start
    parts["slowest check"] = f"{slowest[1]} {slowest[0]:.2f}s"
    return parts


def bench_grading() -> None:
    from course import Course, mutant_source, mutants
    rows, cli = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for chapter in chapters():
            course = Course(Path(tmp) / chapter, [chapter])
            course.generate()
            hidden = course.root / "hidden.ipynb"
            import nbformat
            nbformat.write(nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb",
                                         as_version=4), hidden)  # hidden tests included
            wrong = mutants(chapter)[0]
            mutant_nb = course.root / "mutant.ipynb"
            filled = course.filled(chapter, {wrong[0]: mutant_source(chapter, wrong[0], wrong[2])})
            # put the hidden tests back, as nbgrader autograde does
            source = nbformat.read(hidden, as_version=4)
            tests = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
                     if c.metadata.get("nbgrader", {}).get("grade")}
            for cell in filled.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in tests:
                    cell.source = tests[gid]
            nbformat.write(filled, mutant_nb)
            for label, path in [("solution", hidden), (f"wrong {wrong[0]}", mutant_nb)]:
                parts = time_notebook(path)
                rows.append([chapter, label, parts["kernel start"], parts["learner code"],
                             parts["checks"], parts["other cells"], parts["total"],
                             parts["slowest check"]])
            # The same solution through the real `nbgrader autograde` command (one
            # submission), for the overhead of nbgrader's CLI start and bookkeeping.
            course.submit(chapter, "solution", course.filled(chapter))
            t0 = time.perf_counter()
            course.autograde(chapter)
            cli.append([chapter, time.perf_counter() - t0])
    table("Grading time per chapter notebook (seconds; target total <= 10, each check cell "
          "incl. its gradient checks <= 1 per gradient test)",
          ["chapter", "submission", "kernel start", "learner code", "checks", "other",
           "total", "slowest check cell"], rows)
    table("`nbgrader autograde` of one solution submission, wall time incl. the CLI start "
          "(seconds)", ["chapter", "seconds"], cli)


def bench_gradchecks() -> None:
    """Every ``gradcheck(...)`` call in the solution notebooks' test cells, timed alone on
    the reference implementation (target: each at most 1 second)."""
    import nbformat
    from autograder import reference
    from rnnkit.grading import gradcheck
    from autograder.pipeline.judge import literal_calls

    rows = []
    for chapter in chapters():
        nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
        namespace = vars(reference.load(chapter))
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade"):
                continue
            for name, kwargs in literal_calls(cell.source, "gradcheck"):
                times = []
                for _ in range(3):
                    t0 = time.perf_counter()
                    with contextlib.redirect_stdout(io.StringIO()):  # its "agree" line
                        gradcheck(name, namespace, **kwargs)
                    times.append(time.perf_counter() - t0)
                shown = ", ".join(f"{k}={v}" for k, v in kwargs.items())
                rows.append([meta.get("grade_id", ""), f"{name}({shown})",
                             f"{min(times):.3f}", "<= 1"])
    table("Each gradient test alone, on the reference (seconds, best of 3)",
          ["test cell", "gradcheck", "seconds", "target"], rows)


def bench_grading_scale(sizes=(10, 40, 160), workers=(1, 2)) -> None:
    """Serial ``nbgrader autograde`` and the sandboxed pipeline (``--jobs`` 1 and 2) on
    the same generated ch01 submissions (a quarter correct, the rest one mutant each)."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from grading import (make_submissions, new_course, pipeline_command,  # benchmarks/
                         submit_folder, time_serial, timed)

    chapter = "ch01"
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="rnncourse-scale-") as tmp:
            tmp = Path(tmp)
            subs = tmp / "submissions"
            serial = new_course(tmp / "serial", chapter)
            make_submissions(serial, chapter, n, subs)
            serial.generate()
            submit_folder(serial, chapter, subs)
            spent, proc = time_serial(serial, chapter)
            rows.append([n, "serial nbgrader autograde", 1, spent, spent / n, "", "",
                         "" if proc.returncode == 0 else f"exit {proc.returncode}"])
            for jobs in workers:
                grade = pipeline_command(tmp / f"pipeline{jobs}", chapter, jobs)
                spent, proc = timed(grade + [str(subs), "--no-feedback"], REPO)
                # the serial part: the main process's own time per submission
                main = json.loads((tmp / f"pipeline{jobs}" / "autograder" / "reports"
                                   / chapter / "main-process.json").read_text())
                rows.append([n, "pipeline, sandboxed, no feedback", jobs, spent, spent / n,
                             f"{main['per_submission_wall_s']:.3f}",
                             f"{main['per_submission_cpu_s']:.3f}",
                             "" if proc.returncode == 0 else f"exit {proc.returncode}"])
    table("Grading time vs number of submissions and workers (ch01)",
          ["submissions", "grader", "workers", "seconds", "seconds per notebook",
           "main process s/notebook (wall)", "(CPU)", "note"], rows)


# -------------------------------------------------------------------------- cells
def best_of(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_cells(N: int = 32, T: int = 50, D: int = 64, H: int = 128) -> None:
    import numpy as np
    from autograder import reference

    try:
        import torch
        # Same threads for both: numpy's BLAS follows OPENBLAS_NUM_THREADS (the Makefile
        # sets 1, which is faster for these small matrices on a shared 2-core machine).
        torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count())))
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, T, D))
    h0 = np.zeros((N, H))
    rows = []
    specs = [("ch04", "LSTM", "lstm", 4), ("ch05", "GRU", "gru", 3), ("ch01", "RNN", "rnn", 1)]
    for chapter, label, prefix, blocks in specs:
        try:
            ref = reference.load(chapter)
        except FileNotFoundError:
            rows.append([label, "reference not written yet", "", "", ""])
            continue
        forward = getattr(ref, f"{prefix}_forward")
        backward = getattr(ref, f"{prefix}_backward", None)
        if backward is None:
            try:
                backward = getattr(reference.load("ch02"), f"{prefix}_backward")
            except (FileNotFoundError, AttributeError):
                rows.append([label, "backward not written yet", "", "", ""])
                continue
        Wx = 0.1 * rng.standard_normal((D, blocks * H))
        Wh = 0.1 * rng.standard_normal((H, blocks * H))
        b = np.zeros(blocks * H)
        dh = rng.standard_normal((N, T, H))

        extra = (b,) if label == "GRU" else ()  # the GRU has a second (recurrent) bias

        def numpy_step():
            h, cache = forward(x, h0, Wx, Wh, b, *extra)
            backward(dh, cache)

        ours = best_of(numpy_step)
        theirs = ""
        if torch is not None:
            module = {"LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU, "RNN": torch.nn.RNN}[label](
                D, H, batch_first=True).double()
            tx = torch.tensor(x, requires_grad=True)
            tdh = torch.tensor(dh)

            def torch_step():
                out, _ = module(tx)
                out.backward(tdh)

            theirs = best_of(torch_step)
        ratio = f"{ours / theirs:.2f}" if theirs else "n/a"
        rows.append([label, f"{ours * 1e3:.1f}",
                     f"{theirs * 1e3:.1f}" if theirs else "torch not installed", ratio,
                     "<= 2.00"])
    table(f"Reference forward+backward over a sequence, N={N} T={T} D={D} H={H}, float64 "
          "(best of 5, milliseconds)",
          ["cell", "numpy reference", "torch CPU", "ratio", "target"], rows)


def bench_kit() -> None:
    """The learner kit: wheel size, and the time to install it into a fresh venv (its
    dependencies from pip's cache, as on a learner's second install), with and without
    the [lab] extra (JupyterLab and nbgrader)."""
    import tempfile
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                        "--no-build-isolation", str(REPO / "kit"), "-w", str(tmp)], check=True)
        (wheel,) = tmp.glob("rnnkit-*.whl")
        rows.append(["wheel", wheel.name, f"{wheel.stat().st_size / 1024:.0f} KiB"])
        base = getattr(sys, "_base_executable", None) or sys.executable
        for label, requirement in (("kit", str(wheel)), ("kit[lab]", f"rnnkit[lab] @ file://{wheel}")):
            venv = tmp / f"venv-{label}"
            subprocess.run([base, "-m", "venv", str(venv)], check=True)
            t0 = time.perf_counter()
            subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                            "--disable-pip-version-check", requirement], check=True)
            seconds = time.perf_counter() - t0
            count = len(subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "list",
                                        "--format=freeze"], capture_output=True, text=True,
                                       check=True).stdout.splitlines())
            size = sum(f.stat().st_size for f in venv.rglob("*") if f.is_file()) >> 20
            rows.append([f"install {label} in a fresh venv", f"{seconds:.1f} s",
                         f"{count} packages, {size} MB"])
    table("Learner kit", ["what", "value", "size"], rows)


# Budgets of issue 20: the cold book build within 4 minutes, each graded training part
# within its CPU time, the kit with its corpora within its size. A training part's budget
# covers its whole test cell (the visible check and every hidden one, run with the
# reference): 3 minutes for the character model (issue 20's "about 3 minutes of CPU for
# the learner's graded run"), 30 s for the others, whose notebooks promise "a few
# seconds" per run.
BOOK_COLD_BUDGET = 240.0   # seconds of wall time, 2 cores
BOTH_COLD_BUDGET = 360.0   # both editions (issue 22)
TRAINING_BUDGETS = {       # (chapter, test cell) -> CPU seconds for the whole cell
    ("ch02", "test_train_char_rnn"): 180.0,
    ("ch03", "test_adding_experiment"): 30.0,
    ("ch04", "test_train_adding"): 30.0,
    ("ch05", "test_compare_cells"): 30.0,
    ("ch07", "test_train_seq2seq"): 30.0,
    ("ch07", "test_attention_training"): 30.0,
    ("ch08", "test_train_to_threshold"): 30.0,
}
KIT_BUDGET_MB = 5.0


def graded_calls(chapter: str, cell_id: str) -> list[tuple[str, int, dict]]:
    """The (function, seed, shape) of every ``check("chapter.function", ...)`` of a test
    cell of the solution notebook, visible and hidden, as the grader runs them."""
    import ast
    import nbformat
    nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == cell_id]
    source = "\n".join(line for line in cell.source.splitlines()
                       if not line.startswith("###"))
    calls = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check":
            name = ast.literal_eval(node.args[0])
            if not name.startswith(f"{chapter}."):
                continue
            shape = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
            calls += [(name.split(".", 1)[1], seed, shape)
                      for seed in shape.pop("seeds", [0])]
    if not calls:
        raise SystemExit(f"{chapter}/{cell_id}: no check() call found")
    return calls


def bench_budgets(book_cold: tuple[float, float] | None = None) -> None:
    from autograder import reference
    from rnnkit.cases import Impl, get
    rows = []
    if book_cold is None:
        with tempfile.TemporaryDirectory() as tmp:
            root = copy_repo(Path(tmp) / "course")
            book_cold = build_book(root), build_book(root, "zh")
    english, both = book_cold[0], sum(book_cold)
    rows.append(["cold book build, English, every page executed", f"{english:.0f} s",
                 f"<= {BOOK_COLD_BUDGET:.0f} s",
                 "ok" if english <= BOOK_COLD_BUDGET else "OVER"])
    rows.append(["cold build of both editions (make book)", f"{both:.0f} s",
                 f"<= {BOTH_COLD_BUDGET:.0f} s", "ok" if both <= BOTH_COLD_BUDGET else "OVER"])
    for (chapter, cell_id), budget in TRAINING_BUDGETS.items():
        impl = Impl(vars(reference.load(chapter)))
        calls = graded_calls(chapter, cell_id)
        start = time.process_time()
        for function, seed, shape in calls:
            get(chapter, function)(impl, seed, **shape)
        cpu = time.process_time() - start
        rows.append([f"{chapter} {cell_id}: {len(calls)} graded runs, reference code",
                     f"{cpu:.1f} s CPU", f"<= {budget:.0f} s CPU",
                     "ok" if cpu <= budget else "OVER"])
    kit = REPO / "kit" / "rnnkit"
    files = [f for f in kit.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    corpora = sum(f.stat().st_size for f in files if f.parent.name == "corpora")
    total = sum(f.stat().st_size for f in files)
    rows.append(["learner kit's files (corpora included)", f"{total / 2**20:.2f} MB",
                 f"<= {KIT_BUDGET_MB:.0f} MB", "ok" if total <= KIT_BUDGET_MB * 2**20
                 else "OVER"])
    rows.append(["  of which corpora/", f"{corpora / 2**20:.2f} MB", "", ""])
    table("Budgets (issue 20)", ["what", "measured", "budget", ""], rows)


def main(argv: list[str]) -> None:
    what = argv or ["cells", "grade", "book", "scale", "kit", "budgets"]
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    if "cells" in what:
        bench_cells()
    if "grade" in what:
        bench_grading()
        bench_gradchecks()
    book_cold = None
    if "book" in what:
        book_cold = bench_book()
    if "scale" in what:
        bench_book_scaling()
        bench_grading_scale()
    if "gradescale" in what:
        bench_grading_scale()
    if "kit" in what:
        bench_kit()
    if "budgets" in what:
        bench_budgets(book_cold)
    if "gradebook" in what:   # not in the default list: it starts a PostgreSQL server
        sys.path.insert(0, str(REPO / "benchmarks"))
        import gradebook
        gradebook.main([])


if __name__ == "__main__":
    main(sys.argv[1:])
