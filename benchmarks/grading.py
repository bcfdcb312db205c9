"""Benchmark (not a test): the grading pipeline against serial ``nbgrader autograde``.

    .venv/bin/python benchmarks/grading.py [--n 40] [--chapter ch01] [--jobs N] [--no-serial] [--converter]

Generates N submissions of one chapter (every fourth correct, the others each with one
wrong implementation from tests/mutants/), then, in the same run and on copies of the
same course:

1. serial nbgrader: ``nbgrader autograde CHAPTER`` (its own kernels, no sandbox);
2. the pipeline: ``python -m autograder.grade CHAPTER SUBMISSIONS --no-feedback``
   (sandbox on, parallel), and once more with feedback and report.

Both courses are set up first (``generate_assignment``, untimed). Prints the wall
times, the ratio, the per-notebook overhead beyond the notebooks' own execution
(sum of cell run times measured inside the sandbox), and the main process's own time
per submission (``reports/<ch>/main-process.json``: the serial part, issue 24); with
``--converter`` also that of nbgrader's converter per learner (``--converter-reference``,
the route before) on a fresh course in the same run. ``--no-serial`` skips nbgrader.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from course import Course, mutant_source, mutants, nbgrader_env, run_nbgrader  # noqa: E402


def make_submissions(course: Course, chapter: str, n: int, dest: Path) -> None:
    wrong = mutants(chapter)
    for k in range(n):
        folder = dest / f"learner{k:03d}"
        folder.mkdir(parents=True)
        if k % 4 == 0 or not wrong:
            nb = course.filled(chapter)
        else:
            function, _, path = wrong[k % len(wrong)]
            nb = course.filled(chapter, {function: mutant_source(chapter, function, path)})
        import nbformat
        nbformat.write(nb, folder / f"{chapter}.ipynb")


def timed(argv: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=nbgrader_env(), capture_output=True, text=True)
    return time.perf_counter() - start, proc


def new_course(root: Path, chapter: str) -> Course:
    """A course with the chapter's source and release (untimed set-up)."""
    course = Course(root, [chapter])
    shutil.copytree(REPO / "exercises" / chapter, course.root / "exercises" / chapter)
    return course


def submit_folder(course: Course, chapter: str, subs: Path) -> None:
    """Put ``subs/<student>/`` into the course's submitted folder, as nbgrader expects."""
    for student in sorted(os.listdir(subs)):
        shutil.copytree(subs / student, course.root / "autograder" / "submitted"
                        / student / chapter)


def time_serial(course: Course, chapter: str) -> tuple[float, subprocess.CompletedProcess]:
    """Wall time of ``nbgrader autograde`` of everything submitted, one at a time."""
    return timed([str(Path(sys.executable).parent / "nbgrader"), "autograde", chapter,
                  "--force"], course.root)


def pipeline_command(root: Path, chapter: str, jobs: int) -> list[str]:
    """The pipeline's command on a fresh course at ``root``, run once with nothing
    submitted (untimed: it sets up the gradebook); append the submissions to grade."""
    new_course(root, chapter)
    grade = [sys.executable, "-m", "autograder.grade", chapter, "--root", str(root),
             "--jobs", str(jobs), "-q"]
    _, proc = timed(grade, REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return grade


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=40)
    p.add_argument("--chapter", default="ch01")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--no-serial", action="store_true",
                   help="skip serial nbgrader (only the pipeline and its main process)")
    p.add_argument("--converter", action="store_true",
                   help="also grade with --converter-reference (nbgrader's converter per "
                        "learner in the main process, the route before issue 24) on a "
                        "fresh course, for its main-process cost in the same run")
    args = p.parse_args()
    ch, n = args.chapter, args.n
    with tempfile.TemporaryDirectory(prefix="rnncourse-bench-") as tmp:
        tmp = Path(tmp)
        subs = tmp / "submissions"
        serial = new_course(tmp / "serial", ch)
        make_submissions(serial, ch, n, subs)
        print("setting up both courses (generate_assignment, untimed) ...", flush=True)
        serial.generate()
        submit_folder(serial, ch, subs)
        pipe_root = tmp / "pipeline"
        grade = pipeline_command(pipe_root, ch, args.jobs)

        t_serial = float("nan")
        if not args.no_serial:
            print(f"serial nbgrader autograde of {n} notebooks ...", flush=True)
            t_serial, proc = time_serial(serial, ch)
            print(f"  {t_serial:.1f} s (exit {proc.returncode})", flush=True)
        reports = pipe_root / "autograder" / "reports" / ch
        print(f"pipeline (sandbox on, {args.jobs} jobs, no feedback) ...", flush=True)
        t_pipe, proc = timed(grade + [str(subs), "--no-feedback"], REPO)
        assert proc.returncode == 0, proc.stderr[-3000:]
        first = json.loads((reports / "main-process.json").read_text())
        print(f"  {t_pipe:.1f} s", flush=True)
        print("pipeline again with feedback and report (idempotent regrade) ...", flush=True)
        t_full, proc = timed(grade + [str(subs)], REPO)
        assert proc.returncode == 0, proc.stderr[-3000:]
        again = json.loads((reports / "main-process.json").read_text())
        print(f"  {t_full:.1f} s", flush=True)
        costs = [("first round", first), ("regrade", again)]
        if args.converter:
            print("pipeline with --converter-reference (fresh course, no feedback) ...",
                  flush=True)
            conv = pipeline_command(tmp / "converter", ch, args.jobs)
            t_conv, proc = timed(conv + [str(subs), "--no-feedback", "--converter-reference"],
                                 REPO)
            assert proc.returncode == 0, proc.stderr[-3000:]
            print(f"  {t_conv:.1f} s", flush=True)
            costs.append(("nbgrader's converter per learner, first round", json.loads(
                (tmp / "converter" / "autograder" / "reports" / ch / "main-process.json")
                .read_text())))

        verdicts = [json.loads(p.read_text()) for p in
                    (pipe_root / "autograder" / "reports" / ch / "verdicts").glob("*.json")]
        own = sum(v.get("exec_seconds", 0.0) for v in verdicts) / max(1, len(verdicts))
        sandbox = sum(v.get("seconds", 0.0) for v in verdicts) / max(1, len(verdicts))
        s_scores = {} if args.no_serial else serial.scores(ch)
        p_scores = Course(pipe_root, []).scores(ch)
        agree = sum(1 for s in s_scores if s_scores[s] == p_scores.get(s))
        print()
        print(f"notebooks                         {n}")
        print(f"serial nbgrader autograde         {t_serial:7.1f} s  ({t_serial / n:.2f} s/notebook)")
        print(f"pipeline, sandboxed, no feedback  {t_pipe:7.1f} s  ({t_pipe / n:.2f} s/notebook)")
        print(f"pipeline with feedback + report   {t_full:7.1f} s  ({t_full / n:.2f} s/notebook)")
        print(f"speed-up (no feedback)            {t_serial / t_pipe:7.2f} x on {args.jobs} jobs")
        print(f"speed-up (with feedback)          {t_serial / t_full:7.2f} x")
        print(f"notebook's own execution          {own:7.2f} s/notebook (cells, in the sandbox)")
        print(f"sandboxed run incl. start-up      {sandbox:7.2f} s/notebook "
              f"(overhead {sandbox - own:.2f} s: bwrap, interpreter, imports, canaries)")
        print(f"overhead beyond own execution     serial nbgrader {t_serial / n - own:.2f} s, "
              f"pipeline {t_pipe * args.jobs / n - own:.2f} core-s per notebook")
        print(f"same scores as serial nbgrader    {agree}/{len(s_scores)} submissions")
        for label, cost in costs:
            print(f"main process per submission       {cost['per_submission_wall_s']:.4f} s wall,"
                  f" {cost['per_submission_cpu_s']:.4f} s CPU ({label}; waiting on workers"
                  f" excluded; once per round: {cost['once_wall_s']:.2f} s CSV + report;"
                  f" {cost.get('transactions') or cost['submissions']} gradebook transactions)")
            if "round_process_cpu_per_submission_s" in cost:
                print(f"  all its threads over the round  "
                      f"{cost['round_process_cpu_per_submission_s']:.4f} s CPU per submission")
            for name, part in cost.get("detail_per_submission", {}).items():
                print(f"  of which {name:<22}  {part['wall_s']:.4f} s wall, "
                      f"{part['cpu_s']:.4f} s CPU")


if __name__ == "__main__":
    main()
