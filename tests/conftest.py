"""Shared fixtures: the web book, built once per test session and served on localhost.

The build is made for the address it is served at (``RNNCOURSE_SITE_URL``), so the
learner kit's install line on the exercise pages and in the downloadable notebooks
points at this server, as it points at the real site in a published build.
"""
from __future__ import annotations

import functools
import os
import socket
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Every test makes its own gradebook: an instructor's RNNCOURSE_DB_URL (a PostgreSQL
# gradebook, docs/grading.md) must not send the suite's grading there.
# tests/test_postgres.py passes its server's URL explicitly.
os.environ.pop("RNNCOURSE_DB_URL", None)
BIN = Path(sys.executable).parent


# Debian's chromium (scripts/system-deps.sh installs it; Playwright's own build is never
# downloaded), launched headless with nothing that reaches the network by itself. One
# definition for every browser test (the book, the report, the hub round).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    """A Chromium browser for the module's tests (each launch() gets a fresh, temporary
    user-data-dir); fails, naming the fix, when chromium is missing."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian's chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def site_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def built_book(site_port) -> Path:
    """Build the book with -W -n --keep-going (execution cached) and return _build/html."""
    env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}",
           "RNNCOURSE_SITE_URL": f"http://127.0.0.1:{site_port}/"}
    proc = subprocess.run(
        [str(BIN / "jupyter-book"), "build", str(REPO), "-W", "-n", "--keep-going"],
        cwd=REPO, capture_output=True, text=True, timeout=1800, env=env)
    log = proc.stdout[-6000:] + proc.stderr[-6000:]
    assert proc.returncode == 0, f"the book does not build cleanly:\n{log}"
    assert "build succeeded" in proc.stdout, log
    # The Chinese edition, into _build/html/zh (scripts/i18n.py; -W -n as well).
    proc = subprocess.run([str(BIN / "python"), str(REPO / "scripts" / "i18n.py"), "build"],
                          cwd=REPO, capture_output=True, text=True, timeout=1800, env=env)
    log = proc.stdout[-6000:] + proc.stderr[-6000:]
    assert proc.returncode == 0, f"the Chinese edition does not build cleanly:\n{log}"
    assert "build succeeded" in proc.stdout, log
    return REPO / "_build" / "html"


def serve(folder: Path, port: int = 0):
    """Serve a folder over HTTP on localhost; returns (base URL, server)."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}/", server


@pytest.fixture(scope="session")
def served_book(built_book, site_port):
    """The built site on the port it was built for; yields its base URL."""
    url, server = serve(built_book, site_port)
    yield url
    server.shutdown()
    server.server_close()


def kit_requirement(page_html: str) -> str:
    """The install requirement an exercise page tells the learner to pip install."""
    import html
    import re
    text = html.unescape(re.sub(r"<[^>]+>", "", page_html))
    found = re.findall(r'pip install "(rnnkit\[lab\] @ [^"\s]+)"', text)
    assert found, "the exercise page gives no `pip install \"rnnkit[lab] @ ...\"` line"
    assert len(set(found)) == 1, f"the page gives different install lines: {set(found)}"
    return found[0]


@pytest.fixture(scope="session")
def learner_venv(served_book, tmp_path_factory) -> Path:
    """A fresh virtual environment outside the repository with only what the first
    exercise page says to install (the kit from the site, with JupyterLab and nbgrader)."""
    import urllib.request
    with urllib.request.urlopen(served_book + "exercises/ch01/ch01.html", timeout=30) as r:
        requirement = kit_requirement(r.read().decode("utf-8"))
    root = tmp_path_factory.mktemp("learner")
    venv = root / "venv"
    python = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([python, "-m", "venv", str(venv)], check=True, cwd=root)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                           "--disable-pip-version-check", requirement],
                          cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"pip install {requirement!r} failed:\n{proc.stderr[-3000:]}"
    return venv
