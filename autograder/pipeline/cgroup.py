"""Limits on a sandbox as a whole: memory and process count for every process a
notebook starts, through the kernel's control groups.

Two back ends, tried in this order:

- **cgroup v2**: a child group of the grader's own group in the unified hierarchy, with
  ``memory.max``, ``memory.swap.max`` and ``pids.max``. It needs the ``memory`` and
  ``pids`` controllers enabled for the grader's group (systemd gives a user session that
  with ``Delegate=yes``; a container's root usually has it).
- **cgroup v1**: a child group in the ``memory`` and ``pids`` hierarchies, with
  ``memory.limit_in_bytes`` (and ``memory.memsw.limit_in_bytes`` where swap accounting
  is on) and ``pids.max``.

Where neither can be created (no permission, no controllers), :func:`create` returns
None and the sandbox falls back to per-process limits: the address-space rlimit of each
process and ``RLIMIT_NPROC`` (which the kernel enforces inside the sandbox's user
namespace for a grader that is not root). The report says which one held.

A process joins the group in the forked child before ``exec`` (:meth:`Group.join`),
so nothing the notebook starts can escape it. Files and pipes here are the kernel's;
no path in them is written by the sandbox.
"""
from __future__ import annotations

import dataclasses
import itertools
import os
import time
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
_COUNTER = itertools.count()


def _own_paths() -> dict[str, str]:
    """{controller or "" (v2): path of this process's group}, from /proc/self/cgroup."""
    out = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, controllers, path = parts
        if controllers == "":
            out[""] = path
        for name in controllers.split(","):
            if name:
                out[name] = path
    return out


def _mounts() -> dict[str, Path]:
    """{controller or "" (v2): mount point}."""
    out: dict[str, Path] = {}
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return out
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        where, kind, options = fields[1], fields[2], fields[3].split(",")
        if kind == "cgroup2":
            out.setdefault("", Path(where))
        elif kind == "cgroup":
            for name in ("memory", "pids"):
                if name in options:
                    out.setdefault(name, Path(where))
    return out


def _write(path: Path, value: str) -> None:
    with open(path, "w") as handle:
        handle.write(value)


def _read_int(path: Path, key: str | None = None) -> int:
    try:
        text = path.read_text()
    except OSError:
        return 0
    if key is None:
        text = text.strip()
        return int(text) if text.isdigit() else 0
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


@dataclasses.dataclass
class Group:
    """One sandbox's control group (one or two folders: v2, or v1 memory + pids)."""
    version: int
    folders: list[Path]
    memory_mb: int
    pids: int

    @property
    def description(self) -> str:
        return (f"cgroup v{self.version}: {self.memory_mb} MB and {self.pids} processes "
                "for the whole sandbox")

    def join(self) -> None:
        """Put the calling process in the group (call in the child, before exec)."""
        pid = str(os.getpid())
        for folder in self.folders:
            _write(folder / "cgroup.procs", pid)

    def _memory(self) -> Path:
        return self.folders[0]

    def peak_mb(self) -> float:
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        return _read_int(self._memory() / name) / 2 ** 20

    def oom_kills(self) -> int:
        if self.version == 2:
            return _read_int(self._memory() / "memory.events", "oom_kill")
        return _read_int(self._memory() / "memory.oom_control", "oom_kill")

    def pid_refusals(self) -> int:
        folder = self.folders[-1]
        if self.version == 2:
            return _read_int(folder / "pids.events", "max")
        return _read_int(folder / "pids.events", "max")

    def kill_all(self) -> None:
        """SIGKILL every process still in the group."""
        if self.version == 2 and (self.folders[0] / "cgroup.kill").exists():
            try:
                _write(self.folders[0] / "cgroup.kill", "1")
                return
            except OSError:
                pass
        for folder in self.folders:
            try:
                pids = (folder / "cgroup.procs").read_text().split()
            except OSError:
                continue
            for pid in pids:
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, PermissionError, ValueError):
                    pass

    def remove(self) -> None:
        """Kill what is left and remove the group's folders."""
        # Killed processes take a few milliseconds to leave the group: poll briefly
        # first (most groups empty within 10 ms), then every 50 ms, 2.5 s in all.
        for step in [0.002] * 10 + [0.05] * 50:
            self.kill_all()
            left = []
            for folder in self.folders:
                try:
                    folder.rmdir()
                except FileNotFoundError:
                    pass
                except OSError:
                    left.append(folder)
            if not left:
                return
            self.folders = left
            time.sleep(step)


def create(memory_mb: int, pids: int) -> Group | None:
    """A new group limited to ``memory_mb`` and ``pids`` processes, or None where this
    machine does not let the grader create one."""
    own, mounts = _own_paths(), _mounts()
    name = f"rnncourse-{os.getpid()}-{next(_COUNTER)}"
    limit = str(memory_mb << 20)
    if "" in mounts and "" in own:
        folder = mounts[""] / own[""].lstrip("/") / name
        try:
            enabled = (folder.parent / "cgroup.subtree_control").read_text().split()
            if {"memory", "pids"} <= set(enabled):
                folder.mkdir()
                try:
                    _write(folder / "memory.max", limit)
                    if (folder / "memory.swap.max").exists():
                        _write(folder / "memory.swap.max", "0")
                    _write(folder / "pids.max", str(pids))
                    return Group(2, [folder], memory_mb, pids)
                except OSError:
                    folder.rmdir()
        except OSError:
            pass
    if "memory" in mounts and "pids" in mounts:
        made: list[Path] = []
        try:
            mem = mounts["memory"] / own.get("memory", "/").lstrip("/") / name
            pid = mounts["pids"] / own.get("pids", "/").lstrip("/") / name
            for folder in (mem, pid):
                folder.mkdir()
                made.append(folder)
            _write(mem / "memory.limit_in_bytes", limit)
            if (mem / "memory.memsw.limit_in_bytes").exists():
                try:
                    _write(mem / "memory.memsw.limit_in_bytes", limit)
                except OSError:
                    pass
            _write(pid / "pids.max", str(pids))
            return Group(1, [mem, pid], memory_mb, pids)
        except OSError:
            for folder in reversed(made):
                try:
                    folder.rmdir()
                except OSError:
                    pass
    return None


def available() -> str:
    """What :func:`create` gives on this machine, in words (for docs and reports)."""
    group = create(64, 8)
    if group is None:
        return "none (per-process limits only)"
    try:
        return f"cgroup v{group.version}"
    finally:
        group.remove()
