"""A real Dask cluster on loopback for the tests and the benchmark: ``dask scheduler``
and ``dask worker`` started as subprocesses from the venv's ``bin``, each in its own
session so that it can be stopped (or killed, with everything it started) by its
process group."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(extra: dict | None = None) -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("RNNCOURSE_RECORD_DIR", None)
    env.update(extra or {})
    return env


class LocalCluster:
    """One scheduler on 127.0.0.1 and named workers, each a process group."""

    def __init__(self, logs: Path):
        self.logs = logs
        logs.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self._start("scheduler", [str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                                  "--port", str(self.port), "--no-dashboard"])
        self._wait(lambda client: True, "the scheduler")

    def _start(self, name: str, argv: list[str], env: dict | None = None,
               cwd: Path = REPO) -> None:
        log = open(self.logs / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(argv, cwd=cwd, env=_env(env), stdout=log,
                                            stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        log.close()

    def client(self):
        from distributed import Client
        return Client(self.address, timeout=30, set_as_default=False)

    def _wait(self, ready, what: str, timeout: float = 120.0) -> None:
        from distributed import Client
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout=5, set_as_default=False) as client:
                    if ready(client):
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{what} did not come up in {timeout:.0f} s; see {self.logs}")

    def workers(self) -> dict[str, str]:
        """worker name -> address, of the workers connected now."""
        with self.client() as client:
            info = client.scheduler_info(n_workers=-1)["workers"]
        return {w["name"]: address for address, w in info.items()}

    def add_worker(self, name: str, env: dict | None = None, nthreads: int = 1) -> None:
        """``dask worker ADDRESS --nthreads N --nworkers 1`` named ``name``; returns once
        the scheduler lists it."""
        self._start(name, [str(BIN / "dask"), "worker", self.address, "--nthreads",
                           str(nthreads), "--nworkers", "1", "--name", name,
                           "--no-dashboard", "--local-directory",
                           str(self.logs / f"{name}-space")], env)
        self._wait(lambda client: name in {
            w["name"] for w in client.scheduler_info(n_workers=-1)["workers"].values()},
            f"worker {name}")

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the process group of ``name`` (the worker, its nanny, its
        grading processes and their sandboxes: a machine lost at once)."""
        proc = self.procs.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def remove_worker(self, name: str) -> None:
        """Stop ``name`` and wait until the scheduler no longer lists it."""
        self.kill(name, signal.SIGTERM)
        self._wait(lambda client: name not in {
            w["name"] for w in client.scheduler_info(n_workers=-1)["workers"].values()},
            f"the removal of worker {name}")

    def close(self) -> None:
        for name in [n for n in self.procs if n != "scheduler"] + ["scheduler"]:
            if name in self.procs:
                self.kill(name, signal.SIGTERM)
