"""Exercise notebooks in Chinese, made from the English release and the exercise pages'
catalogues (the same entries the Chinese site shows).

Only the words change: every markdown cell's headings, paragraphs, list items and table
cells are replaced by their catalogue entries (found the way Sphinx found them: the
block's inline source with its line breaks as spaces). Code cells, outputs, nbgrader's
metadata (grade ids, points, locks, checksums) and the cells' order are the release's,
byte for byte (but the checksums of translated locked cells, recomputed so that
nbgrader's Validate accepts them), so a Chinese submission is graded exactly like an
English one. The
notebook says its language in ``metadata.rnncourse.language``; the learner kit and the
grading pipeline read it to word their messages (rnnkit.i18n).

Blocks without a finished translation (missing, empty or fuzzy) stay in English.
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat
from babel.messages.pofile import read_po

LANGUAGE_KEY = "rnncourse"


def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser
    config = MdParserConfig(enable_extensions={"amsmath", "dollarmath", "colon_fence",
                                               "deflist", "substitution"})
    return create_md_parser(config, RendererHTML)


def load_messages(po: Path) -> dict[str, str]:
    """msgid -> msgstr of the finished entries of a catalogue."""
    with po.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog
            if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def _split_row(line: str) -> list[str]:
    """A table row's cells, split on unescaped pipes (outer pipes dropped)."""
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return re.split(r"(?<!\\)\|", body)


def translate_markdown(source: str, messages: dict[str, str], md=None) -> str:
    md = md or _parser()
    lines = source.split("\n")
    tokens = md.parse(source)
    replace: dict[int, tuple[int, str]] = {}    # first line -> (end line, new text)
    rows: dict[int, list[str]] = {}             # table row line -> its cells' inline sources
    in_cell = False
    for i, token in enumerate(tokens):
        if token.type in ("th_open", "td_open"):
            in_cell = True
        elif token.type in ("th_close", "td_close"):
            in_cell = False
        if token.type != "inline" or token.map is None:
            continue
        start, end = token.map
        if in_cell:
            rows.setdefault(start, []).append(token.content)
            continue
        key = token.content.replace("\n", " ").strip()
        if key not in messages:
            continue
        first = lines[start]
        head = token.content.split("\n")[0]
        at = first.find(head)
        prefix = first[:at] if at >= 0 else ""
        replace[start] = (end, prefix + messages[key])
    for start, cells in rows.items():
        parts = _split_row(lines[start])
        if len(parts) != len(cells):
            continue
        out = []
        for part, content in zip(parts, cells):
            key = content.replace("\n", " ").strip()
            new = messages.get(key, key).replace("|", "\\|") if key else key
            out.append(part.replace(key, new, 1) if key else part)
        lead = "|" if lines[start].lstrip().startswith("|") else ""
        tail = "|" if lines[start].rstrip().endswith("|") else ""
        replace[start] = (start + 1, lead + "|".join(out) + tail)
    result, i = [], 0
    while i < len(lines):
        if i in replace:
            end, text = replace[i]
            result.append(text)
            i = max(end, i + 1)
        else:
            result.append(lines[i])
            i += 1
    return "\n".join(result)


def translate_notebook(nb, messages: dict[str, str], language: str):
    """A copy of ``nb`` with its markdown in ``language``; everything else unchanged."""
    from nbgrader.utils import compute_checksum
    out = copy.deepcopy(nb)
    md = _parser()
    for cell in out.cells:
        if cell.cell_type == "markdown":
            source = translate_markdown(cell.source, messages, md)
            if source != cell.source:
                cell.source = source
                # A locked cell carries the checksum of its text: nbgrader's Validate
                # would report a translated one as changed.
                grading = cell.metadata.get("nbgrader", {})
                if "checksum" in grading:
                    grading["checksum"] = compute_checksum(cell)
    out.metadata.setdefault(LANGUAGE_KEY, {})["language"] = language
    return out


def translate_file(english: Path, po: Path, target: Path, language: str) -> None:
    nb = nbformat.read(english, as_version=4)
    translated = translate_notebook(nb, load_messages(po) if po.exists() else {}, language)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(translated, target)
