"""Shared fixtures: the built web book (built once per test session)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def built_book() -> Path:
    """Build the book with -W -n --keep-going (execution cached) and return _build/html."""
    proc = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(REPO), "-W", "-n", "--keep-going"],
        cwd=REPO, capture_output=True, text=True, timeout=1800,
        env={**__import__("os").environ, "PATH": f"{BIN}:{__import__('os').environ['PATH']}"})
    log = proc.stdout[-6000:] + proc.stderr[-6000:]
    assert proc.returncode == 0, f"the book does not build cleanly:\n{log}"
    assert "build succeeded" in proc.stdout, log
    return REPO / "_build" / "html"
