"""What the main process spends on each submission: the serial part of a grading round.

Workers run the notebooks in parallel; the main process alone writes the gradebook,
the autograded notebooks and the verdict files, one student after another. That serial
part caps the speed-up of any number of workers (issue 24), so the round measures it:
wall time and the main thread's CPU time of everything the main process does for a
student once that student's worker has finished (waiting on workers is excluded), and,
apart, what it does once per round (CSV export, report), and the CPU time of all the
process's threads over the round (its pool's threads pickle every task and unpickle
every result; with feedback on, that phase is in it too). The numbers go to
``reports/<assignment>/main-process.json``; ``benchmarks/grading.py`` prints them.
"""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path


class MainClock:
    """Wall and CPU seconds of the main process, per submission and once per round."""

    def __init__(self) -> None:
        self.wall = {"per_submission": 0.0, "once": 0.0}
        self.cpu = {"per_submission": 0.0, "once": 0.0}
        self.submissions = 0
        self.transactions = 0   # gradebook transactions (chunks of learners)
        # every thread of the process from here on: also the pool's threads, which
        # pickle each task (the WorkerContext) and unpickle each result
        self.process_cpu = time.process_time()

    @contextlib.contextmanager
    def detail(self, name: str):
        """Time a block inside a per-submission part under its own name as well."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[name] = self.wall.get(name, 0.0) + time.perf_counter() - wall
            self.cpu[name] = self.cpu.get(name, 0.0) + time.thread_time() - cpu

    @contextlib.contextmanager
    def part(self, kind: str):
        """Time a block as ``kind`` ("per_submission" or "once"). CPU time is the
        calling thread's, so the pool's own threads are not counted."""
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[kind] += time.perf_counter() - wall
            self.cpu[kind] += time.thread_time() - cpu

    def summary(self) -> dict:
        n = max(1, self.submissions)
        process_cpu = time.process_time() - self.process_cpu
        return {"round_process_cpu_per_submission_s": round(process_cpu / n, 5),
                "submissions": self.submissions, "transactions": self.transactions,
                "per_submission_wall_s": round(self.wall["per_submission"] / n, 5),
                "per_submission_cpu_s": round(self.cpu["per_submission"] / n, 5),
                "per_submission_total_wall_s": round(self.wall["per_submission"], 4),
                "once_wall_s": round(self.wall["once"], 4),
                "once_cpu_s": round(self.cpu["once"], 4),
                "detail_per_submission": {
                    name: {"wall_s": round(self.wall[name] / n, 5),
                           "cpu_s": round(self.cpu[name] / n, 5)}
                    for name in self.wall if name not in ("per_submission", "once")}}

    def write(self, out_dir: Path) -> dict:
        summary = self.summary()
        (out_dir / "main-process.json").write_text(json.dumps(summary, indent=1))
        return summary
