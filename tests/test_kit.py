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
- the grading sandbox's snapshot is the kit plus the runner, nothing else.
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
