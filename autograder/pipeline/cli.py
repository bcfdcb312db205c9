"""``python -m autograder.grade ASSIGNMENT [SUBMISSIONS]``: grade one round.

SUBMISSIONS is a folder or a zip (see ``autograder.pipeline.collect`` for the layouts);
without it, whatever is in ``autograder/submitted/`` is graded. Results:

- nbgrader's gradebook, ``autograder/autograded/`` and ``autograder/feedback/``
  (feedback HTML per learner, without the hidden tests' source);
- ``autograder/reports/<assignment>/grades.csv`` (nbgrader's CSV export),
  ``report.html`` (plots, failure reasons, tampering flags) and ``verdicts/<student>.json``.

Exit status:
  0  every submission was graded (rejected ones included);
  1  the grader failed on a whole submission (its runner did not start, nbgrader
     failed on it): see verdicts/<student>.json;
  2  the sandbox is unavailable (nothing was graded), or bad arguments;
  3  grader errors: the course's own grading code (the reference, a judge, a case's
     comparison, a catalogue of mistakes) raised on some test; those cells score 0,
     are marked for manual grading in the gradebook and listed first in report.html.
     (1 takes precedence over 3.)
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from autograder.pipeline.gradebook_db import GradebookUnreachable
from autograder.pipeline.grader_error import EXIT_GRADER_ERROR
from autograder.pipeline.sandbox import Limits, SandboxUnavailable


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m autograder.grade", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignment", help="e.g. ch01")
    p.add_argument("submissions", nargs="?", type=Path,
                   help="folder or zip of submissions (default: autograder/submitted)")
    p.add_argument("--student", action="append", dest="students", metavar="ID",
                   help="grade only this student (repeatable)")
    p.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                   help="notebooks run in parallel (default: number of cores)")
    p.add_argument("--cell-timeout", type=float, default=None,
                   help="seconds per cell (default: ExecutePreprocessor.timeout in "
                        "nbgrader_config.py, else 60)")
    p.add_argument("--notebook-timeout", type=float, default=600.0,
                   help="seconds per notebook, restarts included (default 600)")
    p.add_argument("--memory-mb", type=int, default=2048,
                   help="address-space limit of a notebook's process (default 2048)")
    p.add_argument("--no-sandbox", "--trusted", dest="trusted", action="store_true",
                   help="run without bubblewrap (ONLY for trusted submissions, e.g. on "
                        "machines without user namespaces); limits still apply")
    p.add_argument("--sandbox-memory-mb", type=int, default=3072,
                   help="memory of all of a notebook's processes together, its /tmp and "
                        "work area included, where control groups are available "
                        "(default 3072)")
    p.add_argument("--keep-work", action="store_true",
                   help="keep each submission's work folder under autograder/.scratch "
                        "(for debugging the grader; removed after judging by default)")
    p.add_argument("--start-method", choices=("fork", "forkserver", "spawn"),
                   default=None,
                   help="how worker processes start (default: $RNNCOURSE_START_METHOD, "
                        "else fork); every method grades alike")
    p.add_argument("--converter-reference", action="store_true",
                   help="store each learner's results with nbgrader's own Autograde "
                        "converter, one at a time (slower; the reference the default "
                        "batched bookkeeping is tested against)")
    p.add_argument("--no-feedback", dest="feedback", action="store_false")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    p.add_argument("--root", type=Path, default=Path.cwd(),
                   help="course root holding nbgrader_config.py (default: .)")
    p.add_argument("--db-url", default=None,
                   help="the gradebook's database URL (default: $RNNCOURSE_DB_URL, else "
                        "CourseDirectory.db_url in nbgrader_config.py); see "
                        "scripts/postgres.sh for PostgreSQL")
    return p.parse_intermixed_args(argv)


def _default_cell_timeout(root: Path) -> float:
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    value = cfg.ExecutePreprocessor.get("timeout") or cfg.Execute.get("timeout")
    return float(value) if isinstance(value, (int, float)) else 60.0


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    root = args.root.resolve()
    if not (root / "nbgrader_config.py").exists():
        print(f"error: {root} has no nbgrader_config.py; run from the course root or "
              "pass --root", file=sys.stderr)
        return 2
    from autograder.pipeline.run import (Options, cells_with_grader_errors,
                                         default_start_method, grade, reports_dir)
    limits = Limits(cell_timeout=args.cell_timeout or _default_cell_timeout(root),
                    notebook_timeout=args.notebook_timeout, memory_mb=args.memory_mb,
                    sandbox_memory_mb=args.sandbox_memory_mb)
    opts = Options(args.assignment, root, args.submissions,
                   frozenset(args.students) if args.students else None, max(1, args.jobs),
                   limits, args.trusted, args.feedback, not args.quiet,
                   keep_work=args.keep_work, converter_reference=args.converter_reference,
                   start_method=args.start_method or default_start_method(),
                   db_url=args.db_url)
    try:
        results = grade(opts)
    except SandboxUnavailable as exc:
        print(f"refusing to grade: {exc}", file=sys.stderr)
        return 2
    except GradebookUnreachable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = reports_dir(root, args.assignment)
    errors = [s for s, v in results.items() if v["status"] == "grader-error"]
    flagged = [s for s, v in results.items() if v.get("tampering")]
    print(f"graded {len(results)} submission(s) of {args.assignment}: "
          f"report {out / 'report.html'}, grades {out / 'grades.csv'}")
    if flagged:
        print(f"tampering flagged: {', '.join(flagged)}")
    course_errors = {s: cells_with_grader_errors(v) for s, v in results.items()}
    course_errors = {s: cells for s, cells in course_errors.items() if cells}
    if errors:
        print(f"the grader failed on: {', '.join(errors)} (see verdicts/)", file=sys.stderr)
    if course_errors:
        print("grader errors in the course's grading code (cells marked for manual "
              f"grading; see {out / 'report.html'}): " + "; ".join(
                  f"{s}: {', '.join(cells)}" for s, cells in course_errors.items()),
              file=sys.stderr)
    return 1 if errors else EXIT_GRADER_ERROR if course_errors else 0


if __name__ == "__main__":
    sys.exit(main())
