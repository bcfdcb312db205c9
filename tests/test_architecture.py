"""The lines that docs/architecture.md draws between the rooms, held by the imports.

Every ``import``/``from ... import`` statement (at any depth, in functions too) and every
``importlib.import_module("<constant>")`` of the kit and the instructor's side is read
with ``ast``; a rule names the modules one room may not import. A learner's kernel runs
the kit alone, so the kit must never name the instructor's side; the pipeline reaches a
chapter's cases, judges and mistakes only through their registries (``rnnkit.cases.get``,
``autograder.instructor``, ``autograder.mistakes.catalogue``), so adding a chapter never
means editing the pipeline; and what runs inside the sandbox never imports the
instructor's side, which the sandbox does not hold.
"""
from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_CHAPTER = r"ch\d\d"


@dataclasses.dataclass(frozen=True)
class Rule:
    room: str             # what the rule is about, as docs/architecture.md names it
    files: str            # glob, relative to the repository root
    forbidden: str        # regex on a dotted module name
    why: str
    exempt: tuple = ()    # files (relative paths) the rule does not apply to


RULES = [
    Rule("the learner kit", "kit/rnnkit/**/*.py",
         r"^(autograder|solutions|tests|nbgrader)(\.|$)",
         "the kit runs in a learner's kernel, which has no instructor side; it finds the "
         "instructor's code only through the `rnnkit.instructor` entry point"),
    Rule("the pipeline", "autograder/pipeline/**/*.py",
         rf"^(rnnkit\.cases|autograder\.judges|autograder\.mistakes)\.{_CHAPTER}(\.|$)",
         "the pipeline reaches a chapter's cases, judges and mistakes through their "
         "registries, so a new chapter needs no change in the pipeline"),
    Rule("the instructor's side", "autograder/*.py",
         rf"^(rnnkit\.cases|autograder\.judges|autograder\.mistakes)\.{_CHAPTER}(\.|$)",
         "chapter modules are found by name through their registries"),
]


def imports_of(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = _package_of(path, root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(p for p in [*parts, base] if p)
            found.append((node.lineno, base))
            # `from rnnkit.cases import ch01` imports a module too
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant)
              and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value))
    return found


def _package_of(path: Path, root: Path) -> str:
    rel = path.resolve().relative_to(root.resolve())
    parts = list(rel.with_suffix("").parts)
    if parts[:1] == ["kit"]:
        parts = parts[1:]
    return ".".join(parts[:-1])


def violations(rule: Rule, root: Path = REPO) -> list[str]:
    out = []
    for path in sorted(root.glob(rule.files)):
        rel = str(path.relative_to(root))
        if rel in rule.exempt or "/.scratch/" in f"/{rel}":
            continue
        for line, module in imports_of(path, root):
            if re.search(rule.forbidden, module):
                out.append(f"{rel}:{line} imports {module}: {rule.why}")
    return out


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.room}:{r.files}" for r in RULES])
def test_no_import_crosses_a_line(rule):
    assert list(REPO.glob(rule.files)), f"the rule for {rule.room} matches no file"
    problems = violations(rule)
    assert not problems, "\n".join(problems)


def test_the_rules_catch_a_crossing(tmp_path):
    """The checker has teeth: a kit module importing the instructor's side, a pipeline
    module importing a chapter's cases, and a dynamic import are each caught; the
    registry import the pipeline may make is not."""
    kit = tmp_path / "kit" / "rnnkit"
    kit.mkdir(parents=True)
    (kit / "sneaky.py").write_text(
        "import numpy as np\n"
        "def f():\n"
        "    from autograder import reference\n"
        "    return reference\n")
    (kit / "dynamic.py").write_text(
        "import importlib\nm = importlib.import_module('autograder.instructor')\n")
    pipe = tmp_path / "autograder" / "pipeline"
    pipe.mkdir(parents=True)
    (pipe / "shortcut.py").write_text("from rnnkit.cases import ch04\n"
                                      "from rnnkit.cases import get\n")
    (pipe / "fine.py").write_text("from rnnkit import cases\nfrom . import collect\n")
    kit_rule, pipe_rule = RULES[0], RULES[1]
    kit_found = violations(kit_rule, tmp_path)
    assert any("sneaky.py:3 imports autograder" in v for v in kit_found), kit_found
    assert any("dynamic.py:2 imports autograder.instructor" in v for v in kit_found)
    pipe_found = violations(pipe_rule, tmp_path)
    assert pipe_found == [f"autograder/pipeline/shortcut.py:1 imports rnnkit.cases.ch04: "
                          f"{pipe_rule.why}"], pipe_found


def _sandbox_side() -> tuple[list[Path], set[str]]:
    """The instructor's modules copied into the sandbox (its allow list), as files and
    as dotted names."""
    from autograder.pipeline.sandbox import snapshot_files
    files = [host for host, inside in snapshot_files() if inside.startswith("autograder/")]
    names = set()
    for _, inside in snapshot_files():
        if inside.startswith("autograder/") and inside.endswith(".py"):
            parts = inside[:-3].split("/")
            names.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return files, names


def _is_module(dotted: str, root: Path = REPO) -> bool:
    """True if the dotted name is a module or package of this repository (``from a
    import b`` names ``a.b`` whether b is a module or an attribute)."""
    path = root.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def sandbox_violations(files: list[Path], inside: set[str], root: Path = REPO) -> list[str]:
    problems = []
    for path in files:
        for line, module in imports_of(path, root):
            top = module.split(".")[0]
            if top in ("nbgrader", "sqlalchemy", "solutions") or (
                    top == "autograder" and module not in inside
                    and _is_module(module, root)):
                problems.append(f"{path.relative_to(root)}:{line} imports {module}, "
                                "which the sandbox does not hold (sandbox.snapshot_files)")
    return problems


def test_the_sandbox_side_imports_only_what_the_sandbox_holds():
    """What runs inside the sandbox (the runner, its shell, the canary) may import the
    kit and the few instructor modules copied in beside it, never anything else of
    ``autograder`` (references, judges, mistakes, the gradebook's code) nor nbgrader:
    the sandbox holds none of them, so such an import is a leak or a crash."""
    files, inside = _sandbox_side()
    assert {"autograder.pipeline.runner", "autograder.pipeline.canary"} <= inside
    problems = sandbox_violations(files, inside)
    assert not problems, "\n".join(problems)


def test_the_sandbox_rule_catches_an_import_the_sandbox_lacks(tmp_path):
    pipe = tmp_path / "autograder" / "pipeline"
    pipe.mkdir(parents=True)
    for name in ("__init__", "runner", "judge"):
        (pipe / f"{name}.py").write_text("")
    (tmp_path / "autograder" / "__init__.py").write_text("")
    (pipe / "runner.py").write_text("from autograder.pipeline import judge\n"
                                    "from autograder.pipeline import runner\n"
                                    "import nbgrader.api\nimport numpy\n")
    inside = {"autograder", "autograder.pipeline", "autograder.pipeline.runner"}
    found = sandbox_violations([pipe / "runner.py"], inside, tmp_path)
    assert [v.split(",")[0] for v in found] == [
        "autograder/pipeline/runner.py:1 imports autograder.pipeline.judge",
        "autograder/pipeline/runner.py:3 imports nbgrader.api"], found


def test_architecture_page_names_every_room():
    """docs/architecture.md describes each room that a rule protects."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    for rule in [*RULES, Rule("the sandbox side", "", "", "")]:
        assert rule.room in page, f"docs/architecture.md does not describe {rule.room}"
