"""``python -m autograder.similarity ASSIGNMENT [--root R] [--threshold X]``: learners'
answer cells compared pairwise (copydetect), the released notebook's code excluded.

Writes ``autograder/reports/ASSIGNMENT/similarity.html`` (the most similar pairs first,
their shared code side by side) and ``similarity.json`` (every learner, every pair's
score, most similar first), from nbgrader's submitted folder. Nothing of a learner's is
run. How the comparison works: ``autograder/pipeline/similarity.py``; what a score
means: docs/grading.md ("Similar submissions").

Exit status: 0 written (whether or not pairs are flagged); 2 bad arguments, no
nbgrader_config.py, or no released notebook.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from autograder.pipeline import similarity, similarity_report


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m autograder.similarity", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("assignment", help="e.g. ch01")
    p.add_argument("--root", type=Path, default=Path.cwd(),
                   help="course root holding nbgrader_config.py (default: .)")
    p.add_argument("--threshold", type=float, default=similarity.THRESHOLD,
                   help="flag pairs whose score reaches this (0 to 1, default "
                        f"{similarity.THRESHOLD})")
    return p.parse_args(argv)


def _folders(root: Path, assignment: str) -> tuple[Path, Path]:
    """(the released notebook, nbgrader's submitted folder), as nbgrader_config says."""
    from traitlets.config.loader import PyFileConfigLoader
    cfg = PyFileConfigLoader("nbgrader_config.py", str(root)).load_config()
    release = root / (cfg.CourseDirectory.get("release_directory") or "release")
    submitted = root / (cfg.CourseDirectory.get("submitted_directory") or "submitted")
    return release / assignment / f"{assignment}.ipynb", submitted


def run(root: Path, assignment: str, threshold: float = similarity.THRESHOLD) -> dict:
    """Compare, write both files, and return the summary."""
    release_nb, submitted = _folders(root, assignment)
    release = similarity.read_release(release_nb)
    answers, skipped = similarity.read_answers(submitted, assignment, release)
    prints = similarity.fingerprints(answers, release)
    pairs = similarity.compare(answers, prints, threshold)
    summary = similarity.summary(assignment, answers, skipped, pairs, threshold)
    out = root / "autograder" / "reports" / assignment
    out.mkdir(parents=True, exist_ok=True)
    (out / "similarity.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    (out / "similarity.html").write_text(
        similarity_report.render(summary, answers, pairs, prints), encoding="utf-8")
    if (out / "report.html").exists() and (out / "verdicts").is_dir():
        from autograder.pipeline import report   # the round's report, now with the link
        report.write(root, assignment, out)
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    root = args.root.resolve()
    if not 0 < args.threshold <= 1:
        print("error: --threshold must be in (0, 1]", file=sys.stderr)
        return 2
    if not (root / "nbgrader_config.py").exists():
        print(f"error: {root} has no nbgrader_config.py; pass --root", file=sys.stderr)
        return 2
    try:
        summary = run(root, args.assignment, args.threshold)
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = root / "autograder" / "reports" / args.assignment / "similarity.html"
    print(f"{len(summary['learners'])} learner(s), {summary['pairs_total']} pair(s), "
          f"{summary['flagged']} flagged (threshold {args.threshold:g}) -> {out}",
          file=sys.stderr)
    for s in summary["skipped"]:
        print(f"note: {s['student']!r} not compared: {s['reason']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
