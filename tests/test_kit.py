"""The learner kit is a product of its own, and it holds no answers.

- its wheel, built by the project's own command, has every subpackage and data file
  and nothing of the instructor's side;
- nothing in it imports ``autograder`` (read statically, including imports inside
  functions), and it imports with ``autograder`` made unimportable;
- no function in it is a reference implementation of a graded function of any
  chapter: every function definition of the kit is compared, by normalised AST
  (docstrings, names, annotations and constants' spelling removed), with every function
  defined in the solutions' answer cells; a planted copy with renamed variables proves
  the comparison catches one;
- the grading sandbox's snapshot is the kit plus the runner, nothing else;
- its messages are in the learner's language (rnnkit.i18n): the variable, else the
  notebook's ``rnncourse.language``, else English; untranslated or fuzzy entries stay
  English, and an unreadable notebook or catalogue never breaks a check.
"""
from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from course import CHAPTERS, REPO, answer_cells

KIT = REPO / "kit" / "rnnkit"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", str(REPO / "kit"), "-w", str(out)], check=True, capture_output=True)
    (found,) = out.glob("rnnkit-*.whl")
    return found


@pytest.mark.slow  # builds the wheel with pip
def test_wheel_has_every_subpackage_and_data_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    source = {f"rnnkit/{p.relative_to(KIT).as_posix()}" for p in KIT.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert source <= names, f"missing from the wheel: {sorted(source - names)}"
    for chapter in CHAPTERS:
        assert f"rnnkit/cases/{chapter}.py" in names
        assert f"rnnkit/fixture_data/{chapter}.npz" in names
    assert not [n for n in names if n.startswith(("autograder", "solutions", "tests"))]
    metadata = [n for n in names if n.endswith("METADATA")][0]
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    for requirement in ("numpy", "matplotlib", "ipython"):
        assert f"Requires-Dist: {requirement}" in text, text
    print(f"\nkit wheel {wheel.name}: {wheel.stat().st_size / 1024:.0f} KiB, "
          f"{len(names)} files")


def _kit_sources() -> list[Path]:
    return sorted(KIT.rglob("*.py"))


def test_kit_never_imports_the_instructor_side():
    found = []
    for path in _kit_sources():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                       [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.relative_to(REPO)}:{node.lineno} imports {m}"
                      for m in modules if m.split(".")[0] in ("autograder", "tools", "tests")]
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                    node.func, "id", "")) in ("import_module", "__import__"):
                arg = node.args[0] if node.args else None
                text = ast.unparse(arg) if arg is not None else ""
                if "autograder" in text:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno} imports {text}")
    assert not found, "the kit must not import the instructor's side:\n" + "\n".join(found)


def test_kit_imports_without_the_instructor_side(tmp_path):
    code = ("import sys; sys.modules['autograder'] = None\n"
            "import importlib, rnnkit.grading, rnnkit.checks, rnnkit.data, rnnkit.course\n"
            "import rnnkit.expected, rnnkit.recording, rnnkit.record_format, rnnkit.attribution\n"
            f"for ch in {list(CHAPTERS)!r}: importlib.import_module('rnnkit.cases.' + ch)\n"
            "print('ok')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path)
    assert proc.stdout.strip() == "ok", proc.stderr[-3000:]


class _Normalise(ast.NodeTransformer):
    """Names become their order of first appearance; docstrings, annotations and
    string constants go; what is left is the function's computation."""

    def __init__(self, anonymous: bool = False):
        self.names: dict[str, str] = {}
        self.anonymous = anonymous  # every name the same: robust to inserted code

    def _name(self, name: str) -> str:
        if self.anonymous:
            return "v"
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node):
        node.name = "f"
        node.returns = None
        node.decorator_list = []
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:] or [ast.Pass()]
        node.body = body
        self.generic_visit(node)
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arg(self, node):
        node.arg = self._name(node.arg)
        node.annotation = None
        return node

    def visit_Name(self, node):
        node.id = self._name(node.id)
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            node.value = ""
        return node

    def visit_Expr(self, node):  # a bare string (comment-like) says nothing
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return None
        return self.generic_visit(node)


def normalised(node: ast.FunctionDef, anonymous: bool = False) -> tuple[str, ...]:
    """The function's normalised tree, as a sequence of tokens."""
    import copy
    import re
    tree = _Normalise(anonymous).visit(copy.deepcopy(node))
    text = ast.dump(tree, annotate_fields=False, include_attributes=False)
    signature = ast.dump(tree.args, annotate_fields=False)
    body = ast.dump(ast.Module(body=tree.body, type_ignores=[]), annotate_fields=False)
    # the body's computation, without the punctuation and contexts every tree has
    tokens = [t for t in re.findall(r"\w+", body) if t not in _BOILERPLATE]
    return (text == "" and ()) or tuple([signature] + tokens)


_BOILERPLATE = {"Load", "Store", "Del", "None", "Module", "Expr"}


def _functions(source: str, where: str) -> list[tuple[str, ast.FunctionDef]]:
    return [(f"{where}:{node.name}", node) for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def graded_reference_functions() -> list[tuple[str, ast.FunctionDef]]:
    """Every function defined in any chapter's answer cells (markers removed)."""
    found = []
    for chapter in CHAPTERS:
        nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
        for gid, index in answer_cells(nb).items():
            source = "\n".join(ln for ln in nb.cells[index].source.splitlines()
                               if not ln.strip().startswith("%"))
            found += _functions(source, f"{chapter}/{gid}")
    return found


def kit_functions() -> list[tuple[str, ast.FunctionDef]]:
    found = []
    for path in _kit_sources():
        found += _functions(path.read_text(), str(path.relative_to(REPO)))
    return found


def _shingles(tokens: tuple[str, ...], k: int = 6) -> set[tuple[str, ...]]:
    return {tokens[i:i + k] for i in range(len(tokens) - k + 1)}


def answer_matches(kit, references) -> tuple[list[str], list[tuple[float, str, str]]]:
    """(exact matches, the closest pairs): closeness is the share of a reference's
    token 6-grams that a kit function contains, so a copy with code around it counts."""
    refs = [(name, normalised(node), _shingles(normalised(node, anonymous=True)))
            for name, node in references]
    exact, closest = [], []
    for name, node in kit:
        mine = normalised(node)
        have = _shingles(normalised(node, anonymous=True))
        for ref_name, ref, grams in refs:
            if mine == ref:
                exact.append(f"{name} is the reference {ref_name}")
            elif len(grams) >= 40:  # small helpers (one-line formulas) say little
                closest.append((len(grams & have) / len(grams), name, ref_name))
    return exact, sorted(closest, reverse=True)[:5]


NEAR_COPY = 0.8  # share of a reference's 6-grams above which a kit function copies it


def test_kit_holds_no_reference_implementation_of_a_graded_function():
    kit, references = kit_functions(), graded_reference_functions()
    assert len(references) >= 50 and len(kit) >= 100, (len(references), len(kit))
    exact, closest = answer_matches(kit, references)
    print(f"\nno-answers check: {len(kit)} kit functions against {len(references)} "
          f"functions of the graded answer cells of {len(CHAPTERS)} chapters: "
          f"{len(exact)} exact matches")
    for ratio, name, ref_name in closest:
        print(f"  closest: {name} ~ {ref_name}: {ratio:.0%} of its 6-grams")
    assert not exact, "\n".join(exact)
    near = [f"{n} ~ {r} ({x:.2f})" for x, n, r in closest if x >= NEAR_COPY]
    assert not near, "kit functions that are near copies of a reference:\n" + "\n".join(near)


def test_the_comparison_catches_a_renamed_copy():
    """A planted copy of a reference (renamed, re-documented) is caught."""
    references = graded_reference_functions()
    name, node = next((n, f) for n, f in references if n.endswith(":rnn_forward"))
    copied = ast.parse(ast.unparse(node).replace("prev_h", "state").replace("rnn_forward",
                                                                          "helper"))
    function = copied.body[0]
    function.body.insert(0, ast.Expr(ast.Constant("An innocent helper.")))
    exact, _ = answer_matches([("planted", function)], references)
    assert exact == [f"planted is the reference {name}"]
    # a copy with code of its own around it is still caught, as a near copy
    name, node = next((n, f) for n, f in references if n.endswith(":lstm_step_backward"))
    padded = ast.parse(ast.unparse(node)).body[0]
    padded.body[1:1] = ast.parse("extra = 0\nif extra:\n    print(extra)").body
    padded.body.insert(-1, ast.parse("total = sum(g.sum() for g in (dx, dprev_h))").body[0])
    exact, closest = answer_matches([("padded", padded)], references)
    assert not exact and closest[0][1:] == ("padded", name), closest
    assert closest[0][0] >= NEAR_COPY, closest


def test_sandbox_snapshot_is_the_kit_and_the_runner():
    from autograder.pipeline.sandbox import snapshot_files
    inside = sorted(rel for _, rel in snapshot_files())
    outside_kit = [rel for rel in inside if not rel.startswith("rnnkit/")]
    assert outside_kit == ["autograder/__init__.py", "autograder/pipeline/__init__.py",
                           "autograder/pipeline/canary.py", "autograder/pipeline/runner.py",
                           "autograder/pipeline/runner_shell.py"]
    assert "rnnkit/grading.py" in inside and "rnnkit/fixture_data/ch01.npz" in inside
    # every module of the kit, whatever rooms check and gradcheck are split into
    assert {f"rnnkit/{p.relative_to(KIT).as_posix()}" for p in KIT.rglob("*.py")
            if "__pycache__" not in p.parts} <= set(inside)


# ------------------------------------------------------------------ the kit's languages
# rnnkit.i18n: RNNCOURSE_LANG, else the notebook being run (JPY_SESSION_NAME, else a
# <chapter>.ipynb in the current folder) says its language; English otherwise. The
# English messages are the templates themselves (the corpus tests compare them).

def _notebook(path: Path, language) -> Path:
    meta = {"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    if language is not None:
        meta["rnncourse"] = {"language": language}
    nbformat.write(nbformat.v4.new_notebook(metadata=meta), path)
    return path


@pytest.fixture
def no_language(monkeypatch, tmp_path):
    """No language set anywhere: an empty current folder, no session, no variable."""
    from rnnkit import i18n
    monkeypatch.delenv(i18n.ENV, raising=False)
    monkeypatch.delenv(i18n.SESSION_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    return i18n


def test_the_language_is_english_unless_something_says_otherwise(no_language):
    assert no_language.language() == "en"
    assert no_language._("{prefix} is wrong: {where}.") == "{prefix} is wrong: {where}."


@pytest.mark.parametrize("value, expected", [
    ("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh_CN.UTF-8", "zh_CN"), ("zh", "zh_CN"),
    ("en", "en"), ("en_GB", "en"), ("fr", "en"), ("", "en")])
def test_the_environment_variable_chooses_the_language(no_language, monkeypatch, value,
                                                       expected):
    monkeypatch.setenv(no_language.ENV, value)
    assert no_language.language() == expected


def test_the_notebook_named_by_the_session_chooses_the_language(no_language, monkeypatch,
                                                                tmp_path):
    elsewhere = tmp_path / "course" / "ch04"
    elsewhere.mkdir(parents=True)
    monkeypatch.setenv(no_language.SESSION_ENV,
                       str(_notebook(elsewhere / "ch04.ipynb", "zh_CN")))
    assert no_language.language() == "zh_CN"
    # the variable wins over the notebook
    monkeypatch.setenv(no_language.ENV, "en")
    assert no_language.language() == "en"


def test_a_chapter_notebook_in_the_current_folder_chooses_the_language(no_language,
                                                                       tmp_path):
    """nbgrader runs the kernel beside the notebook, without a session name."""
    path = _notebook(tmp_path / "ch02.ipynb", "zh_CN")
    assert no_language.language() == "zh_CN"
    _notebook(path, None)            # the English notebook (re-read: its mtime changed)
    import os
    os.utime(path, ns=(1, 1))
    assert no_language.language() == "en"
    (tmp_path / "notes.ipynb").write_text("{}")   # not a chapter's notebook: ignored
    assert no_language.language() == "en"


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"metadata": 3}',
                                     b'{"metadata": {"rnncourse": "zh_CN"}}',
                                     b'{"metadata": {"rnncourse": {"language": "klingon"}}}',
                                     b"\xff\xfe"])
def test_a_notebook_that_says_nothing_usable_means_english(no_language, tmp_path, content):
    (tmp_path / "ch01.ipynb").write_bytes(content)
    assert no_language.language() == "en"


def test_using_language_wins_for_its_block_only(no_language, monkeypatch):
    monkeypatch.setenv(no_language.ENV, "zh_CN")
    with no_language.using_language("en"):
        assert no_language.language() == "en"
        with no_language.using_language("zh_CN"):
            assert no_language.language() == "zh_CN"
        assert no_language.language() == "en"
    assert no_language.language() == "zh_CN"
    import os
    assert os.environ[no_language.ENV] == "zh_CN"    # never touched
    with no_language.using_language("klingon"):
        assert no_language.language() == "en"


PO_SAMPLE = r'''# A comment
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"

#: kit/rnnkit/checks.py
msgid "say \"{name}\"\tthen\\n"
msgstr "说“{name}”\t然后\\n"

msgid ""
"a message written "
"over lines\n"
"and a second line"
msgstr ""
"分成多行的"
"消息\n第二行"

#, fuzzy, python-brace-format
msgid "a changed message"
msgstr "旧的译文"

msgid "not translated yet"
msgstr ""

#, python-brace-format
msgid "{n} case"
msgid_plural "{n} cases"
msgstr[0] "{n} 个用例"

msgctxt "menu"
msgid "open"
msgstr "打开菜单"

#~ msgid "gone"
#~ msgstr "已删除"
'''


def test_the_po_reader_reads_escapes_lines_and_skips_drafts():
    from rnnkit.i18n import read_po
    messages = read_po(PO_SAMPLE)
    assert messages == {'say "{name}"\tthen\\n': "说“{name}”\t然后\\n",
                        "a message written over lines\nand a second line":
                            "分成多行的消息\n第二行",
                        "{n} case": "{n} 个用例"}


def test_the_po_reader_agrees_with_babel_on_the_kit_catalogue():
    from babel.messages.pofile import read_po as babel_read_po
    from rnnkit.i18n import LOCALE, read_po
    path = LOCALE / "zh_CN" / "LC_MESSAGES" / "rnnkit.po"
    with path.open("rb") as f:
        babel = {m.id: m.string for m in babel_read_po(f)
                 if m.id and m.string and not m.fuzzy and not m.context}
    assert read_po(path.read_text(encoding="utf-8")) == babel
    assert len(babel) >= 100


def test_untranslated_and_fuzzy_messages_are_shown_in_english(no_language, monkeypatch,
                                                              tmp_path):
    messages = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "rnnkit.po").write_text(PO_SAMPLE, encoding="utf-8")
    monkeypatch.setattr(no_language, "LOCALE", tmp_path / "locale")
    no_language._catalogue.cache_clear()
    try:
        monkeypatch.setenv(no_language.ENV, "zh_CN")
        _ = no_language._
        assert _("{n} case").format(n=2) == "2 个用例"
        assert _("a changed message") == "a changed message"
        assert _("not translated yet") == "not translated yet"
        assert _("never extracted") == "never extracted"
        assert _(None) is None
        monkeypatch.setattr(no_language, "LOCALE", tmp_path / "nowhere")
        no_language._catalogue.cache_clear()
        assert _("{n} case") == "{n} case"       # no catalogue: English
    finally:
        no_language._catalogue.cache_clear()


def test_a_failing_check_speaks_chinese_under_the_variable(no_language, monkeypatch):
    import numpy as np
    from rnnkit.checks import CheckFailure, check_array
    monkeypatch.setenv(no_language.ENV, "zh_CN")
    with pytest.raises(CheckFailure) as failure:
        check_array("rnn_forward", "h", None, np.zeros((2, 3)))
    assert str(failure.value) == "rnn_forward: h 是 None。函数是否忘了返回它？"
    with pytest.raises(CheckFailure) as failure:
        check_array("rnn_forward", "h", np.ones((2, 3)), np.zeros((2, 3)),
                    axes=("N", "H"))
    text = str(failure.value)
    assert text.startswith("rnn_forward: h 不对（最大相对误差 1.0e+00，") and "其余" not in text
    assert "6 个元素中有 6 个不对" in text and " 。" not in text
    # the same call in English, word for word as before
    monkeypatch.setenv(no_language.ENV, "en")
    with pytest.raises(CheckFailure) as failure:
        check_array("rnn_forward", "h", None, np.zeros((2, 3)))
    assert str(failure.value) == "rnn_forward: h is None. Did the function forget to return it?"


def test_a_stub_is_reported_in_the_notebooks_language(no_language, tmp_path):
    from rnnkit import grading
    from rnnkit.checks import NotImplementedYet
    _notebook(tmp_path / "ch01.ipynb", "zh_CN")

    def softmax(scores):
        raise NotImplementedError
    with pytest.raises(NotImplementedYet) as failure:
        grading.check("ch01.softmax", {"softmax": softmax})
    assert str(failure.value) == "softmax 还没有实现：请替换它的占位代码。"


def test_chinese_messages_wrap_within_the_line_width():
    from rnnkit.checks import LINE_WIDTH, _columns, wrap_message
    text = ("rnn_forward: h 不对（最大相对误差 3.1e-01，最大差值 2.00e+00，容差 1e-06）。"
            "12 个元素中有 4 个不对；仅 N = 1（共 2）处不同，其余一致。提示：h[:, t] 是读入 "
            "x[:, t] 之后的状态；第 0 步从 h0 开始。")
    lines = wrap_message(text)
    assert len(lines) > 1 and all(_columns(line) <= LINE_WIDTH for line in lines)
    assert not any(line.lstrip()[:1] in "，。；：）" for line in lines)
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    # English keeps textwrap's lines
    english = "lstm_step_backward: dWh is wrong " * 6
    import textwrap
    assert wrap_message(english) == textwrap.wrap(english, LINE_WIDTH,
                                                  subsequent_indent="  ",
                                                  break_long_words=False,
                                                  break_on_hyphens=False)
