"""The generated cells of the solution notebooks: the toolkit cell (imports the learner
kit, or says what to install from where), the rule cell after it (the rule on changing
inputs in place, in the words of the checks' own message), and the "Provided code" cell
(earlier chapters' reference functions that this chapter builds on, given openly).

Policy (stated in ``book/how_to_learn.md``): the notebook of chapter k may contain the
reference code of functions graded in chapters before k, and nothing of chapter k or
later. The learner kit holds no reference code at all. The solution notebook is the one
source of truth: ``make fixtures`` regenerates every provided cell from the solution
notebooks of the earlier chapters (the functions named in the cell's metadata, with the
helpers and imports they need), and a test checks that the cells are in sync.

A provided cell is a locked nbgrader cell tagged ``provided`` and ``reference`` (so it is
part of the chapter's reference) whose metadata says what it provides::

    "provided": {"ch01": ["rnn_forward", "softmax"], "ch02": ["adam_step"]}

    python -m autograder.provide [chapter ...]
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

import nbformat

from autograder import reference

TAG = "provided"
HEADER = ("# Provided code (do not edit): the reference code of earlier chapters that this\n"
          "# notebook builds on, generated from their solution notebooks. The course gives\n"
          "# an earlier chapter's answers openly in later chapters only.\n")


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
        return [node.name]
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in node.names]
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return []


def _used_names(node: ast.stmt) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def needed_statements(source: str, wanted: list[str]) -> list[ast.stmt]:
    """Top-level statements of ``source`` that define ``wanted`` and, transitively,
    every top-level name they use; in source order."""
    tree = ast.parse(source)
    defines: dict[str, ast.stmt] = {}
    for node in tree.body:
        for name in _bound_names(node):
            defines.setdefault(name, node)
    missing = [w for w in wanted if w not in defines]
    if missing:
        raise KeyError(f"not defined in the reference: {', '.join(missing)}")
    keep: set[int] = set()
    todo = list(wanted)
    while todo:
        node = defines.get(todo.pop())
        if node is None or id(node) in keep:
            continue
        keep.add(id(node))
        todo += [n for n in _used_names(node) if n in defines]
    return [node for node in tree.body if id(node) in keep]


def provided_source(spec: dict[str, list[str]]) -> str:
    """The source of a provided cell that provides ``spec`` ({chapter: [names]})."""
    seen: set[str] = set()
    imports: list[str] = []
    parts: list[str] = []
    for chapter in sorted(spec):
        source = reference.reference_source(chapter)
        body = []
        for node in needed_statements(source, list(spec[chapter])):
            names = _bound_names(node)
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                text = ast.get_source_segment(source, node)
                if text not in imports:
                    imports.append(text)
                continue
            if all(n in seen for n in names):
                continue  # given already, by an earlier chapter's part of this cell
            seen.update(names)
            body.append(ast.get_source_segment(source, node))
        parts.append(f"# ---- from chapter {int(chapter[2:])}: {', '.join(spec[chapter])}\n\n"
                     + "\n\n\n".join(body))
    return HEADER + "\n".join(imports) + "\n\n\n" + "\n\n\n".join(parts) + "\n"


REPO = Path(__file__).resolve().parent.parent
TOOLKIT_ID = "toolkit"


def site_url() -> str:
    """The published book's base URL (``html.baseurl`` in ``_config.yml``), with a
    trailing slash."""
    import yaml
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    return str(config["html"]["baseurl"]).rstrip("/") + "/"


def kit_version() -> str:
    import tomllib
    return tomllib.loads((REPO / "kit" / "pyproject.toml").read_text())["project"]["version"]


def kit_wheel_name() -> str:
    return f"rnnkit-{kit_version()}-py3-none-any.whl"


def kit_url() -> str:
    """Where the book publishes the kit's wheel (``make book`` puts it there)."""
    return f"{site_url()}_static/{kit_wheel_name()}"


def install_requirement() -> str:
    """What a learner installs: the kit from the site, with JupyterLab and nbgrader."""
    return f"rnnkit[lab] @ {kit_url()}"


def toolkit_source(extra_imports: list[str]) -> str:
    """The toolkit cell of every notebook: imports the kit, or says in one line what to
    install and from where (whatever the import failure was)."""
    imports = "\n".join(f"    {line}" for line in
                         ["from rnnkit.grading import check, gradcheck", *extra_imports])
    return f'''# The course's learner kit (rnnkit). Set-up, once, in a terminal (in a clone of the
# course, `make env` does it):
#   pip install "{install_requirement()}"
# ([lab] adds JupyterLab and nbgrader's Validate button). If this cell fails, the one
# line it prints says what to install.
KIT = "{kit_url()}"
try:
{imports}
except Exception as error:
    class KitMissing(Exception):
        def _render_traceback_(self):
            return [str(self)]
    raise KitMissing(f"The course's learner kit cannot be imported ({{type(error).__name__}}: "
                     f"{{error}}). Install it with  pip install \\"rnnkit[lab] @ {{KIT}}\\"  "
                     "and restart the kernel.") from None'''


def _extra_imports(source: str) -> list[str]:
    """The toolkit cell's imports beyond check and gradcheck (e.g. a data set)."""
    keep = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module.startswith("rnnkit"):
            names = [a.name for a in node.names if a.name not in ("check", "gradcheck")]
            if names:
                keep.append(f"from {node.module} import {', '.join(names)}")
    return keep


RULE_ID = "in_place_rule"


def rule_source() -> str:
    """The markdown cell after every notebook's toolkit cell: the rule on changing
    inputs in place, with the sentence the checks print when a function breaks it
    (``rnnkit.recording.IN_PLACE_RULE``)."""
    from rnnkit.recording import IN_PLACE_RULE
    return (f"**Leave your functions' input arrays as they are.** {IN_PLACE_RULE} Every "
            "check notes which of the arrays it passes to your function were changed, and "
            "fails the function for each one that the course's reference leaves alone, "
            "even when what it returns is right. Where a docstring says that a function "
            "updates an argument in place (an optimiser step updating `params`, say), it "
            "must do exactly that.")


def _rule_cell():
    cell = nbformat.v4.new_markdown_cell(rule_source())
    cell.id = RULE_ID.replace("_", "-")
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": RULE_ID, "locked": True,
                                 "schema_version": 3, "solution": False, "task": False}
    return cell


def provided_cells(nb) -> list:
    return [c for c in nb.cells if TAG in c.metadata.get("tags", [])]


def update(chapter: str) -> bool:
    """Regenerate the provided cell(s) of a solution notebook; True if it changed."""
    path = reference.notebook_path(chapter)
    nb = nbformat.read(path, as_version=4)
    changed = False
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells]
    if RULE_ID not in ids and TOOLKIT_ID in ids:   # the rule cell follows the toolkit's
        nb.cells.insert(ids.index(TOOLKIT_ID) + 1, _rule_cell())
        changed = True
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == TOOLKIT_ID:
            new = toolkit_source(_extra_imports(cell.source))
            if cell.source != new:
                cell.source, changed = new, True
        if cell.metadata.get("nbgrader", {}).get("grade_id") == RULE_ID \
                and cell.source != rule_source():
            cell.source, changed = rule_source(), True
    for cell in provided_cells(nb):
        new = provided_source(dict(cell.metadata["provided"]))
        if cell.source != new:
            cell.source = new
            changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str]) -> None:
    from rnnkit.course import CHAPTERS
    for chapter in argv or CHAPTERS:
        if update(chapter):
            print(f"updated the provided code of {reference.notebook_path(chapter)}")


if __name__ == "__main__":
    main(sys.argv[1:])
