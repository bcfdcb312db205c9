"""The book-only path, as a learner without the repository takes it, for every chapter.

The built site is served on localhost. A fresh virtual environment outside the
repository gets only what the exercise page says to install (``learner_venv``). Each
chapter's notebook is downloaded through its page's download link and run in that
environment's own kernel three ways:

- untouched: every graded part fails with one line saying it is not implemented yet,
  with no traceback through the kit;
- with the reference answers filled in: every visible check passes (from the kit's
  fixtures alone: the instructor's side is not installed there);
- through ``nbgrader validate`` (what the Validate button runs, as the notebook says):
  the untouched notebook's messages arrive whole, the filled one passes.
"""
from __future__ import annotations

import re
import subprocess
import urllib.request
from html.parser import HTMLParser

import nbformat
import pytest

from course import CHAPTERS, fill_with_reference

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]

RUN = r'''
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, allow_errors=True, kernel_name="python3",
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(nb, sys.argv[2])
'''
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _DownloadLink(HTMLParser):
    def __init__(self):
        super().__init__()
        self.href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "btn-download-source-button" in (attrs.get("class") or ""):
            self.href = attrs.get("href")


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def downloads(served_book, tmp_path_factory):
    """chapter -> the notebook downloaded through its exercise page's download link."""
    out = {}
    for chapter in CHAPTERS:
        page_url = f"{served_book}exercises/{chapter}/{chapter}.html"
        parser = _DownloadLink()
        parser.feed(_get(page_url).decode("utf-8"))
        assert parser.href, f"{page_url}: no download link"
        folder = tmp_path_factory.mktemp(f"download-{chapter}")
        path = folder / f"{chapter}.ipynb"
        path.write_bytes(_get(urllib.request.urljoin(page_url, parser.href)))
        out[chapter] = path
    return out


def _run(venv, notebook, tmp_path, name):
    out = tmp_path / f"{name}.ipynb"
    runner = tmp_path / "run.py"
    runner.write_text(RUN)
    proc = subprocess.run([str(venv / "bin" / "python"), str(runner), str(notebook),
                           str(out), str(notebook.parent)], cwd=notebook.parent,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return nbformat.read(out, as_version=4)


def _graded_tests(nb):
    return [c for c in nb.cells if c.cell_type == "code"
            and c.metadata.get("nbgrader", {}).get("grade")]


def _errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def _filled(notebook, chapter, tmp_path):
    nb = fill_with_reference(nbformat.read(notebook, as_version=4), chapter)
    path = notebook.parent / f"{chapter}-filled.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_untouched_notebook_says_each_part_is_not_implemented(
        chapter, learner_venv, downloads, tmp_path):
    nb = _run(learner_venv, downloads[chapter], tmp_path, "untouched")
    tests = _graded_tests(nb)
    assert tests
    for cell in tests:
        errors = _errors(cell)
        assert len(errors) == 1, f"{chapter}: a graded cell ran without failing:\n{cell.source}"
        lines = [ANSI.sub("", line) for line in errors[0].traceback]
        # (a conceptual question's cell: "quiz_...: is not answered yet: set ...")
        assert len(lines) == 1 and re.search(r"is not (implemented|answered) yet", lines[0]), (
            f"{chapter}: the message is not one line saying what to do:\n" + "\n".join(lines))
        assert "rnnkit" not in lines[0] and "File " not in lines[0]


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_reference_answers_pass_every_visible_check(chapter, learner_venv, downloads,
                                                     tmp_path):
    nb = _run(learner_venv, _filled(downloads[chapter], chapter, tmp_path), tmp_path,
              "filled")
    broken = [(c.source[:200], ANSI.sub("", "\n".join(e.traceback))[-1500:])
              for c in nb.cells if c.cell_type == "code" for e in _errors(c)]
    assert not broken, f"{chapter}: cells failed with the reference answers: {broken}"
    for cell in _graded_tests(nb):
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        # a conceptual question's check can only say that the answer has the right form
        assert re.search(r"^\w+: (passed \(|your answer .* it is marked when)", text,
                         re.M), (chapter, cell.source, text)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_nbgrader_validate_shows_whole_messages(chapter, learner_venv, downloads):
    nbgrader = str(learner_venv / "bin" / "nbgrader")
    untouched = subprocess.run([nbgrader, "validate", str(downloads[chapter])],
                               cwd=downloads[chapter].parent, capture_output=True,
                               text=True, timeout=900)
    out = ANSI.sub("", untouched.stdout)
    assert "VALIDATION FAILED" in out, out[-3000:]
    function = re.search(r'check\("ch\d\d\.(\w+)"', out) or re.search(
        r"(\w+) is not implemented yet", out)
    assert function, out[-3000:]
    # every line of the kit's messages arrives whole (validate cuts at about 90 chars)
    lines = [ln for ln in out.splitlines() if "not implemented yet" in ln
             or "its stub" in ln]
    assert lines, out[-3000:]
    errors = [part.split("=" * 20)[0] for part in out.split("The error was:")[1:]]
    assert errors, out[-3000:]
    cut = [ln for part in errors for ln in part.splitlines() if ln.rstrip().endswith("...")]
    assert not cut, f"validate cut these message lines: {cut}"
    filled = _filled(downloads[chapter], chapter, downloads[chapter].parent)
    passed = subprocess.run([nbgrader, "validate", str(filled)], cwd=filled.parent,
                            capture_output=True, text=True, timeout=900)
    assert "Success! Your notebook passes all the tests." in passed.stdout, (
        passed.stdout[-3000:] + passed.stderr[-3000:])
