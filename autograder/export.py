"""``python -m autograder.export canvas|moodle ASSIGNMENT [--per-question]``: the grades
of one assignment as Canvas's or Moodle's grade-import CSV, from nbgrader's gradebook
(opened read-only). The formats, and what the instructor maps at import, are described
in ``autograder/pipeline/lms.py`` and docs/grading.md ("Grades for your LMS").

A command of its own rather than a subcommand of ``autograder.grade``: that one takes
the assignment as its first argument and changes the gradebook; this one only reads it.

The gradebook is ``--db-url``, else ``$RNNCOURSE_DB_URL``, else nbgrader_config.py's
``CourseDirectory.db_url`` (SQLite by default, or PostgreSQL: docs/grading.md).

Exit status: 0 written; 2 bad arguments, no gradebook (or its server does not answer),
or no such assignment.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sqlalchemy

from autograder.pipeline import gradebook_db, lms


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m autograder.export", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("format", choices=lms.FORMATS)
    p.add_argument("assignment", help="e.g. ch01")
    p.add_argument("--per-question", action="store_true",
                   help="one more column per graded cell, named by its grade id")
    p.add_argument("--title", help="the assignment column's header (default: the "
                                   "assignment's name); for Canvas 'Name (assignment id)'")
    p.add_argument("--id-column", choices=("login", "sis", "none"), default="login",
                   help="Canvas: the column that gets nbgrader's student id (SIS Login ID, "
                        "SIS User ID, or neither; default login)")
    p.add_argument("--root", type=Path, default=Path.cwd(),
                   help="course root holding nbgrader_config.py (default: .)")
    p.add_argument("--db-url", default=None,
                   help="the gradebook's database URL (default: $RNNCOURSE_DB_URL, else "
                        "CourseDirectory.db_url in nbgrader_config.py)")
    p.add_argument("-o", "--output", help="file to write, '-' for stdout (default "
                   "autograder/reports/ASSIGNMENT/FORMAT[-per-question].csv)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    root = args.root.resolve()
    if not (root / "nbgrader_config.py").exists():
        print(f"error: {root} has no nbgrader_config.py; pass --root", file=sys.stderr)
        return 2
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    url = args.db_url or gradebook_db.course_url(root)
    source = root / (cfg.CourseDirectory.get("source_directory") or "source")
    try:
        grades = lms.read_grades(url, args.assignment, source)
        rows = (lms.canvas_rows(grades, args.per_question, args.title, args.id_column)
                if args.format == "canvas" else
                lms.moodle_rows(grades, args.per_question, args.title))
    except (FileNotFoundError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except sqlalchemy.exc.OperationalError as exc:   # the server, its address, a password
        print(f"error: {gradebook_db.unreachable(url, exc)}", file=sys.stderr)
        return 2
    except sqlalchemy.exc.InternalError as exc:      # e.g. no tables: nothing graded yet
        print(f"error: the gradebook {gradebook_db.shown(url)} cannot be read "
              f"({str(getattr(exc, 'orig', exc)).splitlines()[0]}): grade the assignment "
              "first", file=sys.stderr)
        return 2
    text = lms.render(rows)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        name = f"{args.format}{'-per-question' if args.per_question else ''}.csv"
        dest = (Path(args.output) if args.output
                else root / "autograder" / "reports" / args.assignment / name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text, encoding="utf-8", newline="")
        print(f"{len(grades.learners)} learner(s) of {args.assignment} -> {dest}",
              file=sys.stderr)
    for line in (lms.notes(grades, rows, args.format, args.per_question, args.title)
                 + lms.policy_warnings(cfg, grades, root)):
        print(f"note: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
