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
    """The pages' templates (the kit's, ``rnnkit.pot``, is held by :func:`kit_stale`)."""
    return {pot.relative_to(pot_dir).with_suffix("").as_posix():
            read(pot, pot.relative_to(pot_dir).with_suffix("").as_posix())
            for pot in sorted(pot_dir.rglob("*.pot"))
            if pot.relative_to(pot_dir).with_suffix("").as_posix() != "rnnkit"}


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


# --------------------------------------------------------- the learner kit's messages
# The kit words its messages through rnnkit.i18n: ``_("template")`` where a message is
# shown, ``N_("words")`` where words are kept as data (hints), and the catalogued
# mistakes' ``says`` (autograder/mistakes/chNN.py), shown through ``_()`` too. The
# grading pipeline's and the judges' learner-facing reasons use the same ``_()``. All
# of them are extracted into one template, merged into the kit's catalogue, which ships
# in the wheel (kit/rnnkit/locale/<lang>/LC_MESSAGES/rnnkit.po).
KIT_TEMPLATE = "rnnkit"                 # _build/gettext/rnnkit.pot
KIT_CATALOGUE = "kit/rnnkit"            # its name in locales/zh_CN/COMPLETE and reports
KIT_KEYWORDS = {"_": None, "N_": None}
KIT_HEADER = ("# Messages of the learner kit (rnnkit), of the judges and of the grading\n"
              "# pipeline's reasons. Made by `python scripts/i18n.py kit` (and `make\n"
              "# translations`); translate as docs/translating.md says.")


def kit_po(repo: Path, language: str = "zh_CN") -> Path:
    return repo / "kit" / "rnnkit" / "locale" / language / "LC_MESSAGES" / "rnnkit.po"


def kit_sources(repo: Path) -> list[Path]:
    """The files whose ``_()``/``N_()`` literals are learner-facing: the kit, the
    instructor's judges and the pipeline (its reasons reach the learner's feedback)."""
    kit = sorted((repo / "kit" / "rnnkit").rglob("*.py"))
    return ([p for p in kit if "__pycache__" not in p.parts]
            + sorted((repo / "autograder" / "judges").glob("*.py"))
            + sorted((repo / "autograder" / "pipeline").glob("*.py")))


def _mistake_says(repo: Path) -> list[tuple[str, str, int, str]]:
    """(says, file, line, "mistake chNN.function/name") of every catalogued mistake."""
    import inspect
    import sys
    if str(repo) not in sys.path:
        sys.path.insert(0, str(repo))
    from autograder import mistakes
    from rnnkit.course import CHAPTERS
    found = []
    for chapter in CHAPTERS:
        for m in mistakes.catalogue(chapter):
            path = Path(inspect.getsourcefile(m.make)).resolve()
            line = m.make.__code__.co_firstlineno
            found.append((m.says, path.relative_to(repo.resolve()).as_posix(), line,
                          f"mistake {chapter}.{m.function}/{m.name}"))
    return found


def kit_template(repo: Path):
    """The kit's message template: every ``_()``/``N_()`` literal of
    :func:`kit_sources` (babel's Python extractor; "Translators:" comments kept) and
    every mistake's ``says``, in the order of the files."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract
    from datetime import datetime, timezone
    catalog = Catalog(project="rnnkit", charset="utf-8", fuzzy=False,
                      header_comment=KIT_HEADER,
                      creation_date=datetime(2025, 1, 1, tzinfo=timezone.utc))
    for path in kit_sources(repo):
        rel = path.relative_to(repo).as_posix()
        with path.open("rb") as f:
            for lineno, message, comments, context in extract(
                    "python", f, keywords=KIT_KEYWORDS, comment_tags=("Translators:",),
                    strip_comment_tags=True):
                if isinstance(message, str) and message.strip():
                    catalog.add(message, locations=[(rel, lineno)], auto_comments=comments,
                                context=context)
    for says, rel, line, what in _mistake_says(repo):
        catalog.add(says, locations=[(rel, line)], auto_comments=[what])
    return catalog


def _write(catalog, path: Path) -> None:
    from babel.messages.pofile import write_po
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, catalog, width=0, include_lineno=False, ignore_obsolete=True)


def write_kit_template(repo: Path, path: Path) -> int:
    catalog = kit_template(repo)
    _write(catalog, path)
    return len(catalog)


def update_kit_catalogue(template: Path, po: Path, language: str = "zh_CN") -> None:
    """Merge the template into the kit's catalogue: translations are kept, a changed
    message arrives fuzzy (its old translation as a draft), a new one empty, a removed
    one is dropped."""
    from babel.messages.catalog import Catalog
    with template.open("rb") as f:
        new = read_po(f)
    if po.exists():
        with po.open("rb") as f:
            catalog = read_po(f, locale=language)
    else:
        catalog = Catalog(locale=language, project="rnnkit", charset="utf-8",
                          header_comment=KIT_HEADER, creation_date=new.creation_date)
    catalog.update(new, update_creation_date=False)
    catalog.fuzzy = False                       # the header: the catalogue is in use
    catalog.revision_date = new.creation_date   # no clock in the file: diffs are words
    _write(catalog, po)


def kit_stale(po: Path, template: Path) -> list[str]:
    """Messages of a fresh extraction missing from the kit's catalogue, and entries of
    the catalogue no longer in the sources."""
    have, want = read(po, KIT_CATALOGUE).ids, read(template, KIT_TEMPLATE).ids
    return ([f"{KIT_CATALOGUE}: not in the catalogue yet: {m[:70]!r}" for m in sorted(want - have)]
            + [f"{KIT_CATALOGUE}: no longer in the sources: {m[:70]!r}"
               for m in sorted(have - want)])


def chapter_of(locations) -> str:
    """Where an entry of the kit's catalogue belongs: "chNN" for a chapter's cases,
    judges or mistakes, else "frame" (the generic messages)."""
    import re as _re
    chapters = {m.group(1) for path, _line in locations
                for m in [_re.search(r"/(ch\d\d)\.py$", path)] if m}
    return min(chapters) if chapters and all(
        _re.search(r"/ch\d\d\.py$", path) for path, _line in locations) else "frame"


def kit_report(po: Path) -> dict[str, list[int]]:
    """{"frame" or "chNN": [translated, untranslated, fuzzy]} of the kit's catalogue."""
    with po.open("rb") as f:
        catalog = read_po(f)
    counts: dict[str, list[int]] = {}
    for message in catalog:
        if not message.id:
            continue
        row = counts.setdefault(chapter_of(message.locations), [0, 0, 0])
        row[2 if message.fuzzy else 1 if not message.string else 0] += 1
    return dict(sorted(counts.items()))


# ------------------------------------------------------- placeholders kept by a translation
def placeholders(text: str) -> list[str]:
    """The replacement fields of a ``str.format`` template ("{name}", "{err:.1e}",
    "{like!r}"), as written; doubled braces are text. A text that is no template
    (unbalanced braces) has none."""
    import string
    fields = []
    try:
        for _literal, name, spec, conversion in string.Formatter().parse(text):
            if name is not None:
                fields.append("{" + name + ("!" + conversion if conversion else "")
                              + (":" + spec if spec else "") + "}")
    except ValueError:
        return []
    return sorted(fields)


def placeholder_mismatches(po: Path, name: str) -> list[str]:
    """Translated entries whose msgstr lacks a placeholder of the msgid or has one the
    msgid does not (the message would be filled wrongly, or raise)."""
    with po.open("rb") as f:
        catalog = read_po(f)
    out = []
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        source, target = placeholders(message.id), placeholders(message.string)
        if set(source) != set(target):
            out.append(f"{name}: placeholders differ in {message.id[:60]!r}: missing "
                       f"{sorted(set(source) - set(target))}, added "
                       f"{sorted(set(target) - set(source))}")
    return out
