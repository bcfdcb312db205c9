"""The sandbox every submission runs in: bubblewrap (Debian's ``bubblewrap`` package).

Inside, a submission sees only what it needs, read-only: the system's ``/usr``, the
Python installation and the course's virtual environment, a snapshot of the learner
kit plus the runner (an allow list: no ``solutions/``, no judge, no gradebook, no other
learner's work), and the files submitted beside its notebook. Nothing of the host is
writable: it writes only to two sized tmpfs mounts, its work area ``/grading`` (the
notebook's folder, home, recordings) and a private ``/tmp``, which vanish with it.
The job comes in over one pipe and results leave over another (``runner.py``,
``execute.py``); the host never opens a path the sandbox could have written.

It has no network (``--unshare-net`` leaves only a loopback device), its own PID
namespace (when the runner exits or is killed, every process it started dies with it,
detached or not), no capabilities, an explicit environment (bubblewrap's own process,
pid 1 inside, gets a minimal one too), per-process limits set with ``prlimit`` (address
space, file size, no core dumps) and, where the machine allows, a control group for the
sandbox as a whole (memory, tmpfs included, and process count: ``cgroup.py``).

``Sandbox(trusted=True)`` runs the same runner without bubblewrap (rlimits, the control
group and time limits still apply, the process group is still killed): only for code you
trust, on machines where user namespaces are unavailable.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path


PACKAGE = Path(__file__).resolve().parent.parent  # the autograder package
INSIDE_LIB = "/opt/rnncourse"
INSIDE_WORK = "/grading"


def _kit_root() -> Path:
    import rnnkit
    return Path(rnnkit.__file__).resolve().parent


def snapshot_files() -> list[tuple[Path, str]]:
    """(host file, path inside the snapshot) of everything the sandbox may import: an
    allow list. The learner kit (code, fixtures, corpora) and the modules of the
    instructor's package that run beside the learner's code (the runner, its shell and
    the canary); nothing else of ``autograder/``, nothing of ``solutions/``."""
    kit = _kit_root()
    files = [(path, "rnnkit/" + path.relative_to(kit).as_posix())
             for path in sorted(kit.rglob("*"))
             if path.is_file() and path.suffix in (".py", ".npz", ".txt", ".typed", ".po")
             and "__pycache__" not in path.parts]
    for rel in ("__init__.py", "pipeline/__init__.py", "pipeline/runner.py",
                "pipeline/runner_shell.py", "pipeline/canary.py"):
        files.append((PACKAGE / rel, f"autograder/{rel}"))
    return files


def snapshot_package(dest_root: Path) -> Path:
    """Copy what the sandbox may import (:func:`snapshot_files`) for the sandbox.

    Returns the folder to put on the sandbox's ``sys.path``. The copy is rebuilt only
    when those files change, and swapped in atomically.
    """
    files = snapshot_files()
    digest = hashlib.sha256()
    for path, rel in files:
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    target = dest_root / f"lib-{digest.hexdigest()[:16]}"
    if (target / "rnnkit" / "__init__.py").exists():
        return target
    tmp = dest_root / f".tmp-{os.getpid()}-{digest.hexdigest()[:8]}"
    shutil.rmtree(tmp, ignore_errors=True)
    for path, rel in files:
        (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, tmp / rel)
    try:
        tmp.rename(target)
    except OSError:  # another grading run built the same snapshot meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    for old in dest_root.glob("lib-*"):
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return target


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot create namespaces on this machine."""


@dataclasses.dataclass
class Limits:
    cell_timeout: float = 60.0       # seconds per cell
    notebook_timeout: float = 600.0  # seconds per notebook, restarts included
    startup_timeout: float = 120.0   # seconds until the runner is ready
    memory_mb: int = 2048            # address space of each process in the sandbox
    sandbox_memory_mb: int = 3072    # all processes together, tmpfs included (cgroup)
    max_processes: int = 64          # processes and threads in the sandbox at once
    file_mb: int = 64                # largest file a process may write
    tmp_mb: int = 256                # size of the private /tmp
    work_mb: int = 256               # size of the writable work area (notebook folder,
                                     # home, recordings)
    record_mb: int = 64              # recorded outputs that may leave, per notebook
    record_files: int = 2000         # recorded files that may leave, per notebook
    submission_mb: int = 64          # files submitted beside the notebook, in total
    judge_memory_mb: int = 6144      # address space of a judging worker process
    max_attempts: int = 6            # restarts after crashes and timeouts, plus one


# What the sandbox sees, inside.
INSIDE_SUBMISSION = "/submission"   # read-only: the files submitted beside the notebook


class Sandbox:
    """Builds the command that runs the runner for one submission.

    Nothing of the host is writable inside: the runner copies the submitted files from
    a read-only bind into a sized tmpfs (``/grading``) and works there; the job comes
    in over a pipe and everything that leaves (events, outputs, recordings) goes out
    over another, which the parent reads with size limits. When the sandbox dies,
    everything it wrote dies with its mount namespace.
    """

    def __init__(self, lib: Path, limits: Limits, *, trusted: bool = False):
        self.lib = lib
        self.limits = limits
        self.trusted = trusted
        self.bwrap = shutil.which("bwrap")
        self.prlimit = shutil.which("prlimit")

    def base(self, work: Path) -> str:
        """The runner's writable work area, as the runner sees it."""
        return str(work / "box") if self.trusted else INSIDE_WORK

    def submission(self, work: Path) -> str:
        return str(work / "sub") if self.trusted else INSIDE_SUBMISSION

    def _system_binds(self) -> list[str]:
        args: list[str] = []
        for top in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64"):
            if os.path.islink(top):
                args += ["--symlink", os.readlink(top), top]
            elif os.path.isdir(top):
                args += ["--ro-bind", top, top]
        for etc in ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                    "/etc/localtime", "/etc/fonts", "/etc/ssl/certs"):
            if os.path.exists(etc):
                args += ["--ro-bind", etc, etc]
        seen = set()
        for prefix in (sys.base_prefix, sys.prefix, sys.exec_prefix):
            real = os.path.realpath(prefix)
            for path in {prefix, real}:
                if path not in seen and not path.startswith("/usr/") and path != "/usr":
                    seen.add(path)
                    args += ["--ro-bind", path, path]
        return args

    def env(self, work: Path, job_fd: int, protocol_fd: int,
            language: str = "en") -> dict[str, str]:
        """The whole environment of the learner's process: nothing else is inherited.
        ``language`` (one of ``rnnkit.i18n.LANGUAGES``) is the submission's: the kit
        words what it records in it."""
        home = os.path.join(self.base(work), "home")
        return {
            "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
            "HOME": home,
            "IPYTHONDIR": os.path.join(home, ".ipython"),
            "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "TMPDIR": "/tmp" if not self.trusted else str(work / "box" / "tmp"),
            "LANG": "C.UTF-8",
            "PYTHONIOENCODING": "utf-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde",
            "RNNCOURSE_JOB_FD": str(job_fd),
            "RNNCOURSE_PROTOCOL_FD": str(protocol_fd),
            "RNNCOURSE_LANG": language,
        }

    @staticmethod
    def outer_env() -> dict[str, str]:
        """The environment of prlimit and bubblewrap themselves (bubblewrap's own
        process is pid 1 inside, and its environment is readable there): minimal."""
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}

    def command(self, work: Path, job_fd: int, protocol_fd: int,
                per_process_only: bool = False,
                language: str = "en") -> tuple[list[str], dict[str, str]]:
        """(argv, env) running the runner for ``work`` (submitted files in ``work/sub``).

        ``per_process_only``: no control group holds this sandbox, so the process count
        is bounded with RLIMIT_NPROC instead.
        """
        lib = str(self.lib) if self.trusted else INSIDE_LIB
        python = [sys.executable, "-I", "-c",
                  f"import sys; sys.path.insert(0, {lib!r}); "
                  "from autograder.pipeline.runner import main; sys.exit(main())"]
        limits = []
        if self.prlimit:
            limits = [self.prlimit, f"--as={self.limits.memory_mb << 20}",
                      f"--fsize={self.limits.file_mb << 20}", "--core=0"]
            if per_process_only:
                limits.append(f"--nproc={self.limits.max_processes}")
            limits.append("--")
        env = self.env(work, job_fd, protocol_fd, language)
        if self.trusted:
            return limits + python, {**env, "PYTHONNOUSERSITE": "1"}
        argv = [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL", "--hostname", "grading", "--clearenv"]
        for key, value in env.items():
            argv += ["--setenv", key, value]
        # The private /tmp comes first: later binds go on top of it, so a venv or course
        # that lives under /tmp (a CI clone, say) is still visible, read-only.
        argv += ["--proc", "/proc", "--dev", "/dev",
                 "--size", str(self.limits.tmp_mb << 20), "--tmpfs", "/tmp"]
        argv += self._system_binds()
        argv += ["--ro-bind", str(self.lib), INSIDE_LIB,
                 "--size", str(self.limits.work_mb << 20), "--tmpfs", INSIDE_WORK,
                 "--ro-bind", str(work / "sub"), INSIDE_SUBMISSION,
                 "--chdir", INSIDE_WORK, "--"]
        return limits + argv + python, self.outer_env()

    def check(self) -> None:
        """Raise SandboxUnavailable with a clear message unless a sandbox starts here."""
        if self.trusted:
            return
        if not self.bwrap:
            raise SandboxUnavailable(
                "bubblewrap (bwrap) is not installed, so submissions cannot be sandboxed. "
                "Install it with `bash scripts/system-deps.sh` (Debian package "
                "`bubblewrap`), or pass --no-sandbox to run learner code unconfined "
                "(only for submissions you trust).")
        import tempfile
        with tempfile.TemporaryDirectory(prefix="rnncourse-sandbox-check-") as tmp:
            work = Path(tmp)
            (work / "sub").mkdir()
            argv, env = self.command(work, 3, 4)
            cut = argv.index(sys.executable)
            probe = argv[:cut] + [sys.executable, "-I", "-c",
                                  "import socket, numpy, IPython\n"
                                  "try:\n    socket.create_connection(('1.1.1.1', 53), 1)\n"
                                  "    print('network')\nexcept OSError:\n    print('ok')"]
            try:
                proc = subprocess.run(probe, capture_output=True, text=True, timeout=120,
                                      stdin=subprocess.DEVNULL, env=env)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SandboxUnavailable(f"bubblewrap could not start: {exc}") from None
            if proc.returncode != 0 or proc.stdout.strip() != "ok":
                raise SandboxUnavailable(
                    "bubblewrap is installed but cannot create the grading sandbox here "
                    f"(exit {proc.returncode}): {proc.stderr.strip()[-600:]}\n"
                    "User namespaces may be disabled (sysctl kernel.unprivileged_userns_clone "
                    "or user.max_user_namespaces), or the container forbids them. Grading "
                    "refuses to run learner code unconfined; pass --no-sandbox to override "
                    "for submissions you trust.")
