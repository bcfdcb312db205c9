"""Do the fixtures and the visible self-checks hold on another CPU or BLAS build?

On one machine, OpenBLAS's kernels for other CPUs stand in for other machines
(``OPENBLAS_CORETYPE``). For each kernel this script, in a fresh process:

1. computes every chapter's fixture arrays from the reference (what ``make fixtures``
   would write there) and saves them;
2. runs every chapter's visible self-checks (the release's test cells, minus hidden
   tests, with the instructor's side switched off as in a learner's kit) against the
   shipped fixtures, on the reference's functions.

Then it checks the fixtures made under each kernel against those made under every other
one, with each case's own comparison (as the visible check and the fixture test judge),
and prints the largest relative difference seen. Exit status 1 if anything fails.

    .venv/bin/python scripts/fixtures_across_blas.py [Haswell Sandybridge Prescott]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

CHILD = r'''
import json, os, re, sys
import numpy as np
import nbformat
from autograder import reference
from autograder.fixtures import fixture_arrays
from rnnkit.course import CHAPTERS
import rnnkit.grading
out = sys.argv[1]
report = {"core": None, "checks": {}}
for chapter in CHAPTERS:
    np.savez(os.path.join(out, chapter + ".npz"), **fixture_arrays(chapter))
rnnkit.grading.instructor = lambda: None        # a learner's kit: fixtures only
for chapter in CHAPTERS:
    nb = nbformat.read(os.path.join(sys.argv[2], "exercises", chapter, chapter + ".ipynb"),
                       as_version=4)
    ns = dict(vars(reference.load(chapter)))
    passed = failed = 0
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "toolkit":
            exec(cell.source, ns)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            try:
                exec(cell.source, ns)
                passed += 1
            except Exception as exc:
                failed += 1
                print(chapter, "visible check failed:", str(exc)[:300], file=sys.stderr)
    report["checks"][chapter] = [passed, failed]
json.dump(report, open(os.path.join(out, "report.json"), "w"))
'''


def run_under(core: str | None, out: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE",)}
    env["OPENBLAS_VERBOSE"] = "2"
    env["OPENBLAS_NUM_THREADS"] = "1"
    if core:
        env["OPENBLAS_CORETYPE"] = core
    proc = subprocess.run([sys.executable, "-c", CHILD, str(out), str(REPO)], env=env,
                          capture_output=True, text=True, cwd=REPO, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"under {core}: {proc.stderr[-3000:]}")
    report = json.loads((out / "report.json").read_text())
    cores = [ln.split(":", 1)[1].strip() for ln in (proc.stdout + proc.stderr).splitlines()
             if ln.startswith("Core:")]
    report["core"] = cores[0] if cores else "?"
    report["stderr"] = [ln for ln in proc.stderr.splitlines() if "visible check failed" in ln]
    return report


def cross_check(made: Path, judged_against: Path) -> tuple[int, int, float, list[str]]:
    """(cases, failures, largest relative difference, messages) of the fixtures in
    ``made`` judged against those in ``judged_against`` with each case's comparison."""
    from rnnkit import cases
    from rnnkit.course import CHAPTERS
    from rnnkit.grading import MUTATED_KEY, case_key
    count = failures = 0
    largest = 0.0
    messages = []
    for chapter in CHAPTERS:
        with np.load(made / f"{chapter}.npz") as a, np.load(judged_against / f"{chapter}.npz") as b:
            got_all, exp_all = {k: a[k] for k in a.files}, {k: b[k] for k in b.files}
        for case in cases.all_cases(chapter):
            prefix = case_key(case.function, 0, case.defaults) + "|"
            got = {k[len(prefix):]: v for k, v in got_all.items()
                   if k.startswith(prefix) and not k.endswith(MUTATED_KEY)}
            exp = {k[len(prefix):]: v for k, v in exp_all.items()
                   if k.startswith(prefix) and not k.endswith(MUTATED_KEY)}
            for name, value in got.items():
                if value.dtype.kind in "fc" and value.shape == exp[name].shape and value.size:
                    denom = np.maximum(np.abs(value) + np.abs(exp[name]), 1e-300)
                    largest = max(largest, float(np.max(np.abs(value - exp[name]) / denom)))
            count += 1
            try:
                case.compare(dict(got), dict(exp))
            except AssertionError as failure:
                failures += 1
                messages.append(f"{chapter}.{case.function}: {str(failure)[:200]}")
    return count, failures, largest, messages


def main(argv: list[str]) -> int:
    cores = argv or ["Haswell", "Sandybridge", "Prescott"]
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        made = {}
        for core in cores:
            out = Path(tmp) / core
            out.mkdir()
            report = run_under(core, out)
            made[core] = out
            checks = report["checks"]
            passed = sum(p for p, _ in checks.values())
            failed = sum(f for _, f in checks.values())
            ok &= failed == 0
            print(f"OPENBLAS_CORETYPE={core} (OpenBLAS core used: {report['core']}): visible "
                  f"self-checks of {len(checks)} chapters against the shipped fixtures: "
                  f"{passed} passed, {failed} failed")
            for line in report["stderr"]:
                print("   ", line)
        shipped = REPO / "kit" / "rnnkit" / "fixture_data"
        for core in cores:
            for other, against in [*((o, made[o]) for o in cores if o != core),
                                   ("shipped", shipped)]:
                n, failures, largest, messages = cross_check(made[core], against)
                ok &= failures == 0
                print(f"fixtures made under {core}, judged against {other}: {n} cases, "
                      f"{failures} failed; largest relative difference {largest:.1e}")
                for message in messages:
                    print("   ", message)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main(sys.argv[1:]))
