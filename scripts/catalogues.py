"""Reading the Chinese edition's catalogues: what is translated, what is not, and whether
they are stale against templates freshly extracted from the pages.

Used by ``scripts/i18n.py status`` and ``tests/test_translations.py``; the catalogues are
read with Babel (a Sphinx dependency), as Sphinx itself reads them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.pofile import read_po


@dataclass
class Catalogue:
    name: str                                   # e.g. "book/ch01_rnn_basics"
    translated: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)  # every current (not obsolete) msgid


def read(path: Path, name: str) -> Catalogue:
    with path.open("rb") as f:
        catalog = read_po(f)
    result = Catalogue(name)
    for message in catalog:
        if not message.id:              # the header
            continue
        result.ids.add(message.id)
        if message.fuzzy:
            result.fuzzy.append(message.id)
        elif not message.string:
            result.untranslated.append(message.id)
        else:
            result.translated += 1
    return result


def catalogues(messages: Path) -> dict[str, Catalogue]:
    return {po.relative_to(messages).with_suffix("").as_posix():
            read(po, po.relative_to(messages).with_suffix("").as_posix())
            for po in sorted(messages.rglob("*.po"))}


def templates(pot_dir: Path) -> dict[str, Catalogue]:
    return {pot.relative_to(pot_dir).with_suffix("").as_posix():
            read(pot, pot.relative_to(pot_dir).with_suffix("").as_posix())
            for pot in sorted(pot_dir.rglob("*.pot"))}


def stale(messages: Path, pot_dir: Path) -> list[str]:
    """What a fresh extraction disagrees with: pages without a catalogue, catalogues
    without a page, and msgids on one side only."""
    have, want = catalogues(messages), templates(pot_dir)
    out = [f"{name}: no catalogue (run make translations)" for name in want
           if name not in have]
    out += [f"{name}: catalogue of a page that no longer exists" for name in have
            if name not in want]
    for name in sorted(set(have) & set(want)):
        new = want[name].ids - have[name].ids
        gone = have[name].ids - want[name].ids
        out += [f"{name}: not in the catalogue yet: {m[:70]!r}" for m in sorted(new)]
        out += [f"{name}: no longer on the page: {m[:70]!r}" for m in sorted(gone)]
    return out


def report(messages: Path, pot_dir: Path) -> str:
    rows = ["| catalogue | translated | untranslated | fuzzy |", "|---|---|---|---|"]
    total = [0, 0, 0]
    for name, cat in catalogues(messages).items():
        rows.append(f"| {name} | {cat.translated} | {len(cat.untranslated)} | "
                    f"{len(cat.fuzzy)} |")
        total = [total[0] + cat.translated, total[1] + len(cat.untranslated),
                 total[2] + len(cat.fuzzy)]
    rows.append(f"| **all** | {total[0]} | {total[1]} | {total[2]} |")
    problems = stale(messages, pot_dir)
    rows.append("")
    rows.append(f"stale against the pages: {len(problems)}")
    rows += problems[:20]
    return "\n".join(rows)


# ------------------------------------------------------------------ the glossary's terms
import re  # noqa: E402

_CODE = re.compile(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\{[a-z:]+\}|\]\([^)]*\)", re.S)
EXCEPTION = "term-exception:"   # translator comment: "# term-exception: hidden state"


def glossary_pairs(glossary: Path) -> list[tuple[list[str], list[str]]]:
    """(English forms, Chinese forms) of every row of the glossary's tables. English
    alternatives are split on "," and " / ", parenthesised parts dropped ("recurrent
    neural network (RNN)" -> "recurrent neural network"); Chinese alternatives on "/"."""
    pairs = []
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or cells[1] in ("English", "---"):
            continue
        chinese = [c.strip() for c in cells[0].split("/") if c.strip()]
        english = []
        for form in re.split(r",| / ", cells[1]):
            form = re.sub(r"\([^)]*\)", "", form)
            form = re.sub(r"\s+", " ", form).strip()
            if len(form) >= 3 and not form.isupper():
                english.append(form)
        if chinese and english:
            pairs.append((english, chinese))
    return pairs


def _prose(text: str) -> str:
    return _CODE.sub(" ", text)


def glossary_misses(messages: Path, glossary: Path,
                    skip: tuple[str, ...] = ("book/glossary",)) -> list[str]:
    """Translated entries whose English has a glossary term and whose Chinese has none
    of that term's Chinese forms (unless a translator comment excuses the term)."""
    patterns = [(re.compile(r"(?<![\w-])" + r"[\s-]+".join(map(re.escape, form.split()))
                            + r"(?:s|es)?(?![\w-])", re.I), form, chinese)
                for english, chinese in glossary_pairs(glossary) for form in english]
    misses = []
    for po in sorted(messages.rglob("*.po")):
        name = po.relative_to(messages).with_suffix("").as_posix()
        if name in skip:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            excused = " ".join(c for c in message.user_comments if EXCEPTION in c).lower()
            prose = _prose(message.id)
            for pattern, form, chinese in patterns:
                if (pattern.search(prose) and not any(c in message.string for c in chinese)
                        and form.lower() not in excused):
                    misses.append(f"{name}: {form!r} -> {' / '.join(chinese)} missing in "
                                  f"{message.string[:60]!r}")
    return misses


# ---------------------------------------------------------- markup kept by a translation
_ROLE = re.compile(r"\{[A-Za-z:_-]+\}`[^`]*`")
_LINK_TEXT = re.compile(r"^(\{[A-Za-z:_-]+\})`[^`<]*<([^`>]+)>`$")
_MATH = re.compile(r"\$\$.*?\$\$|\$[^$\n]+\$", re.S)
_TICKS = re.compile(r"`[^`]+`")
_TARGET = re.compile(r"\]\(([^)\s]*)\)")
_TEXT = re.compile(r"\\(?:text|mathrm|textrm|operatorname)\{[^{}]*\}")


def markup(text: str) -> dict[str, list[str]]:
    """What a translation must keep exactly: roles with their targets, maths (words in
    \\text{} aside), inline code, link targets."""
    # A role's link text may be translated ({ref}`above <label>`); its target may not.
    roles = [_LINK_TEXT.sub(r"\1`<\2>`", role) for role in _ROLE.findall(text)]
    rest = _ROLE.sub(" ", text)
    is_block_math = rest.lstrip().startswith(("\\begin", "\n")) and "$" not in rest
    maths = [_TEXT.sub(r"\\text{}", m) for m in _MATH.findall(rest)]
    if is_block_math:  # a display equation: the whole entry is maths
        maths = [_TEXT.sub(r"\\text{}", rest.strip())]
        rest = ""
    rest = _MATH.sub(" ", rest)
    return {"roles": sorted(roles), "maths": sorted(maths),
            "code": sorted(_TICKS.findall(rest)), "links": sorted(_TARGET.findall(rest))}


def markup_mismatches(messages: Path) -> list[str]:
    """Translated entries that lost or changed markup, or that MyST would read as a
    list ("4. ..." at the start of a heading's translation)."""
    out = []
    for po in sorted(messages.rglob("*.po")):
        name = po.relative_to(messages).with_suffix("").as_posix()
        with po.open("rb") as f:
            catalog = read_po(f)
        for message in catalog:
            if not message.id or not message.string or message.fuzzy:
                continue
            source, target = markup(message.id), markup(message.string)
            for kind in source:
                if source[kind] != target[kind]:
                    lost = sorted(set(source[kind]) - set(target[kind]))
                    extra = sorted(set(target[kind]) - set(source[kind]))
                    out.append(f"{name}: {kind} differ in {message.id[:50]!r}: "
                               f"missing {lost[:3]}, added {extra[:3]}")
            if re.match(r"\d+\.\s", message.string):
                out.append(f"{name}: {message.string[:30]!r} starts like a numbered list:"
                           " escape the full stop (4\\. ...)")
    return out


# ---------------------------------------------------------------- words in the figures
def figure_messages(pages: list[Path]) -> dict[str, list[str]]:
    """Every ``tr("...")`` literal of the pages' code cells (autograder/book_i18n.py),
    with the pages that use it."""
    import ast

    import jupytext
    found: dict[str, list[str]] = {}
    for page in pages:
        notebook = jupytext.read(page)
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:   # IPython magics: no figure text in those cells
                continue
            for node in ast.walk(tree):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "tr"
                        and node.args and isinstance(node.args[0], ast.Constant)
                        and isinstance(node.args[0].value, str)):
                    found.setdefault(node.args[0].value, []).append(page.name)
    return found


def write_figure_template(pages: list[Path], path: Path) -> int:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po
    catalog = Catalog(project="rnn-course figures", charset="utf-8")
    for text, where in sorted(figure_messages(pages).items()):
        catalog.add(text, locations=[(name, 0) for name in sorted(set(where))])
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, no_location=True)
    return len(catalog)


def check_files(paths: list[Path], glossary: Path) -> list[str]:
    """Everything the tests would say about these catalogues (for a translator at work)."""
    import shutil
    import tempfile
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            (Path(tmp) / path.name).write_bytes(path.read_bytes())
            cat = read(path, path.name)
            out += [f"{path.name}: untranslated: {m[:70]!r}" for m in cat.untranslated]
            out += [f"{path.name}: fuzzy: {m[:70]!r}" for m in cat.fuzzy]
        out += glossary_misses(Path(tmp), glossary, skip=("glossary",))
        out += markup_mismatches(Path(tmp))
        shutil.rmtree(tmp, ignore_errors=True)
    return out


if __name__ == "__main__":
    import sys
    repo = Path(__file__).resolve().parent.parent
    problems = check_files([Path(p) for p in sys.argv[1:]], repo / "book" / "glossary.md")
    print("\n".join(problems) or "no problems")
    print(f"{len(problems)} problem(s)")
    sys.exit(1 if problems else 0)
