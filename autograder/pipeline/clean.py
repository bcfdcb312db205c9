"""What a learner's notebook may put in front of an instructor: plain text and PNG/JPEG
images, never the learner's HTML or JavaScript.

The autograded notebook is what formgrader and ``generate_feedback`` render with
nbconvert's HTML templates, which copy several things into the page as they are:
``text/html``, ``text/markdown`` and ``application/javascript`` outputs, widget views,
SVG, the raw HTML of markdown cells (nbconvert renders markdown with ``escape=False``,
keeps ``javascript:`` links and copies ``mermaid`` code blocks unescaped), raw cells,
the widget state in notebook metadata (a ``<script>`` the widget manager then renders),
attachments of any MIME type, and image metadata (``width=`` is written unquoted).

- ``clean_outputs``: keep ``text/plain`` and valid base64 PNG/JPEG only; whatever else
  a display held is shown as text, in its ``text/plain``.
- ``neutralise_markdown``: a learner's markdown with every ``<`` outside code spans,
  code blocks and maths written as ``&lt;``, so tags show as text while markdown's own
  syntax (emphasis, lists, tables, links, maths, code) still renders. The result is then
  rendered with nbconvert's own markdown renderer and every tag and URL in the HTML is
  checked against what markdown produces; anything else (a tokenising slip, a
  ``javascript:`` link, a mermaid block) and the cell is shown as a fenced text block.
- ``clean_notebook``: all of the above on a notebook, plus metadata reduced to an
  allow list. Cells the course wrote (locked cells whose source is the released one)
  keep their markdown, so the course's own HTML still renders.
- ``escape_markdown``: a learner-controlled string made literal text inside the
  markdown the pipeline writes (the grading notes).
"""
from __future__ import annotations

import base64
import binascii
import html
import json
import math
import re
from collections.abc import Mapping

from nbformat import from_dict

IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
SHOWN_CHARS = 3000        # of each removed HTML/markdown/JS output, shown as text
ENAME_CHARS, EVALUE_CHARS, LINE_CHARS, TRACEBACK_LINES = 200, 10_000, 10_000, 200
# nbconvert's markdown parser (and so this check) is quadratic on some inputs, e.g.
# thousands of unclosed "\\(": markdown past these sizes is shown as text, unrendered.
CELL_RENDER_LIMIT, NOTEBOOK_RENDER_LIMIT = 20_000, 100_000
NB_METADATA = {"kernelspec": dict, "language_info": dict, "title": str}
PLACEHOLDER = re.compile(r"<[A-Za-z_][\w.]* object(?: at 0x[0-9a-fA-F]+)?>")


# ----------------------------------------------------------------------------- outputs

def _text(value) -> str:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "".join(value)  # nbformat's multi-line string form
    return value if isinstance(value, str) else str(value)


def _cut(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"... [cut by the grader: {len(text)} characters in all]"


def image_base64(value, mime: str) -> str | None:
    """The base64 text of a real PNG/JPEG (whitespace removed), else None."""
    value = _text(value)
    compact = re.sub(r"\s+", "", value)
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    return compact if raw.startswith(IMAGE_MAGIC[mime]) else None


def _size(value) -> int | float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(value) or not 0 < value <= 100_000:
        return None
    return int(value) if float(value).is_integer() else float(value)


def _image_metadata(metadata, mimes) -> dict:
    """Only the width and height (numbers) of the images kept."""
    out = {}
    for mime in mimes:
        given = metadata.get(mime) if isinstance(metadata, dict) else None
        sizes = {k: _size(given.get(k)) for k in ("width", "height")} \
            if isinstance(given, dict) else {}
        sizes = {k: v for k, v in sizes.items() if v is not None}
        if sizes:
            out[mime] = sizes
    return out


def _removed_note(removed: list[tuple[str, object]]) -> str:
    parts = []
    for mime, value in removed:
        if mime in IMAGE_MAGIC:
            parts.append(f"[{mime} output not shown: it is not a valid "
                         f"{mime.split('/')[1].upper()} image]")
            continue
        shown = _text(value) if isinstance(value, (str, list)) else \
            json.dumps(value, default=str, ensure_ascii=False)
        parts.append(f"[{mime} output not shown: the grader shows only plain text and "
                     "PNG/JPEG images. Its content, as text:]\n"
                     + _cut(shown, SHOWN_CHARS))
    return "\n".join(parts)


def _clean_display(output: dict) -> dict | None:
    data = output.get("data") if isinstance(output.get("data"), dict) else {}
    kept, removed = {}, []
    for mime, value in data.items():
        image = image_base64(value, mime) if mime in IMAGE_MAGIC else None
        if mime == "text/plain":
            kept[mime] = _text(value)
        elif image is not None:
            kept[mime] = image
        else:
            removed.append((str(mime), value))
    plain = kept.get("text/plain")
    if removed and (plain is None or PLACEHOLDER.fullmatch(plain.strip())):
        # "<IPython.core.display.HTML object>" says nothing: show what was removed
        kept["text/plain"] = _removed_note(removed)
    if not kept:
        return None
    clean = {"output_type": output["output_type"], "data": kept,
             "metadata": _image_metadata(output.get("metadata"),
                                         [m for m in kept if m in IMAGE_MAGIC])}
    if output["output_type"] == "execute_result":
        count = output.get("execution_count")
        clean["execution_count"] = count if type(count) is int else None
    return clean


def _clean_error(output: dict) -> dict:
    trace = output.get("traceback")
    lines = [_cut(_text(x), LINE_CHARS) for x in trace] if isinstance(trace, list) else []
    if len(lines) > TRACEBACK_LINES:
        half = TRACEBACK_LINES // 2
        cut = f"... [{len(lines) - 2 * half} lines cut by the grader]"
        lines = lines[:half] + [cut] + lines[-half:]
    return {"output_type": "error",
            "ename": _cut(_text(output.get("ename", "")), ENAME_CHARS),
            "evalue": _cut(_text(output.get("evalue", "")), EVALUE_CHARS),
            "traceback": lines}


def _clean_output(output) -> dict | None:
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream":
        name = output.get("name")
        return {"output_type": "stream", "name": name if name == "stderr" else "stdout",
                "text": _text(output.get("text", ""))}
    if kind == "error":
        return _clean_error(output)
    if kind in ("display_data", "execute_result"):
        return _clean_display(output)
    return {"output_type": "stream", "name": "stdout", "text":
            f"[an output of type {_cut(str(kind), 80)!r} was removed by the grader]\n"}


def clean_outputs(outputs: list[dict]) -> list[dict]:
    """nbformat v4 outputs reduced to stream text, errors, text/plain and PNG/JPEG."""
    cleaned = (_clean_output(o) for o in (outputs if isinstance(outputs, list) else []))
    return [o for o in cleaned if o is not None]


# ----------------------------------------------------------------------------- markdown

_ALNUM = re.compile(r"[0-9A-Za-z]")


def escape_markdown(text: str) -> str:
    """``text`` as literal text in one markdown line: no HTML, links, emphasis, code,
    maths or block syntax. Plain sentences (``cell 'test_softmax' was missing``) stay
    as they are: only characters that could start markup are escaped."""
    text = re.sub(r"\s*[\r\n]+\s*", " ", str(text))
    out = []
    for i, ch in enumerate(text):
        if ch == "<":
            out.append("&lt;")
        elif ch == "&" and re.match(r"&#?\w+;", text[i:]):
            out.append("&amp;")
        elif ch in "\\`*[]~$":
            out.append("\\" + ch)
        elif ch == "_" and not (0 < i < len(text) - 1 and _ALNUM.match(text[i - 1])
                                and _ALNUM.match(text[i + 1])):
            out.append("\\_")
        else:
            out.append(ch)
    escaped = "".join(out)
    # block syntax can only start the line: "# ", "> ", "- ", "+ ", "1. ", "= "
    lead = re.match(r"(\s*)([#>+=-]|\d+(?=[.)]))", escaped)
    if lead:
        at = lead.end() if lead.group(2)[0].isdigit() else lead.start(2)
        escaped = escaped[:at] + "\\" + escaped[at:]
    return escaped


_FENCE_OPEN = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_FENCE_CLOSE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
# Left to right, as nbconvert's parser tries them: maths (its own delimiters), a
# backslash escape, a code span, and finally a bare "<", the one character escaped.
_INLINE = re.compile(r"""(?sx)
    (?P<math> (?<!\\)\$\$.*?(?<!\\)\$\$
            | (?<!\\)\\\\\[.*?(?<!\\)\\\\\]
            | (?<![$\\])\$(?:(?!\n[ \t]*\n).)+?(?<![$\\])\$
            | (?<!\\)\\\\\(.*?(?<!\\)\\\\\)
            | \\begin\{(?P<env>[a-z]*\*?)\}.*?\\end\{(?P=env)\} )
  | (?P<escape> \\[!-/:-@\[-`{-~] )
  | (?P<code> (?<!`)(?P<ticks>`+)(?!`) (?:(?!\n[ \t]*\n).)*? (?<!`)(?P=ticks)(?!`) )
  | (?P<lt> < )
""")


def _escape_inline(text: str) -> str:
    return _INLINE.sub(lambda m: "&lt;" if m.group("lt") else m.group(0), text)


def escape_html_outside_code(source: str) -> str:
    """Every ``<`` that is not in a code span, a fenced code block or maths, as ``&lt;``;
    a fenced block's ``mermaid`` info string is dropped (nbconvert copies such a block
    into the page unescaped)."""
    out, block, fence = [], [], None
    for line in source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        end = line[len(body):]
        if fence is not None:
            out.append(line)
            close = _FENCE_CLOSE.fullmatch(body)
            closing = close.group(1) if close else ""
            if closing[:1] == fence[0] and len(closing) >= len(fence):
                fence = None
            continue
        opening = _FENCE_OPEN.fullmatch(body)
        if opening and not (opening.group(2)[0] == "`" and "`" in opening.group(3)):
            out.append(_escape_inline("".join(block)))
            block = []
            info = "" if "mermaid" in opening.group(3).lower() else opening.group(3)
            out.append(opening.group(1) + opening.group(2) + info + end)
            fence = opening.group(2)
            continue
        block.append(line)
    out.append(_escape_inline("".join(block)))
    return "".join(out)


def render_markdown(source: str, attachments: Mapping | None = None) -> str:
    """HTML of ``source`` exactly as nbconvert's HTMLExporter renders a markdown cell."""
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
    renderer = IPythonRenderer(escape=False, attachments=dict(attachments or {}))
    return MarkdownWithMath(renderer=renderer).render(source)


# What nbconvert's markdown (mistune, pygments, heading anchors) writes; nothing else.
_TAGS = {"p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "a", "img", "em", "strong",
         "del", "code", "pre", "blockquote", "ul", "ol", "li", "table", "thead", "tbody",
         "tr", "th", "td", "dl", "dt", "dd", "input", "div", "span"}
_ATTRS = {"*": {"class", "id"}, "a": {"href", "title"}, "img": {"src", "alt", "title"},
          "th": {"style"}, "td": {"style"}, "ol": {"start"},
          "input": {"type", "checked", "disabled"}}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][-a-zA-Z0-9]*"
                  r"(?:=\"[^\"]*\")?)*)\s*/?>")
_ATTR = re.compile(r"\s+([a-zA-Z][-a-zA-Z0-9]*)(?:=\"([^\"]*)\")?")
_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg);base64,[A-Za-z0-9+/=]*", re.IGNORECASE)


def _url_is_safe(value: str, attr: str) -> bool:
    # as a browser reads it: entities decoded, control characters and spaces ignored
    url = re.sub(r"[\x00-\x20\x7f]", "", html.unescape(value))
    scheme = _SCHEME.match(url)
    if scheme is None:
        return True  # relative link or #anchor
    if scheme.group(1).lower() in ("http", "https") or \
            (attr == "href" and scheme.group(1).lower() == "mailto"):
        return True
    return attr == "src" and _DATA_IMAGE.fullmatch(url) is not None


def unsafe_html(page: str) -> str:
    """Why rendered markdown HTML holds something markdown itself never writes
    ("" when every tag, attribute and URL is on the allow list)."""
    pos = 0
    while (at := page.find("<", pos)) != -1:
        tag = _TAG.match(page, at)
        if tag is None:
            return f"markup that is not a plain tag: {page[at:at + 40]!r}"
        name = tag.group(2).lower()
        if name not in _TAGS:
            return f"a <{name}> element"
        for attr in _ATTR.finditer(tag.group(3)):
            key, value = attr.group(1).lower(), attr.group(2) or ""
            if key not in _ATTRS["*"] | _ATTRS.get(name, set()):
                return f"a {key}= attribute on <{name}>"
            if key in ("href", "src") and not _url_is_safe(value, key):
                return f"a {key}= URL with a scheme that can run code: {value[:60]!r}"
            if key == "class" and "mermaid" in value.lower():
                return "a mermaid diagram"
            if key == "style" and not re.fullmatch(r"text-align:\s*(left|right|center);?",
                                                   value.strip()):
                return "a style= attribute"
            if name == "input" and key == "type" and value != "checkbox":
                return "an <input> that is not a task-list checkbox"
        pos = tag.end()
    return ""


def as_text_block(text: str, note: str = "") -> str:
    """Markdown showing ``text`` verbatim, in a fenced block no line of it can close."""
    longest = max((len(run) for run in re.findall(r"~+", text)), default=0)
    fence = "~" * max(3, longest + 1)
    return (f"{note}\n\n" if note else "") + f"{fence}\n{text}\n{fence}\n"


SHOWN_AS_TEXT = ("*The grader shows this cell as text: it holds HTML, or links, that "
                 "the grader does not render.*")
TOO_LONG = "*The grader shows this cell as text: it is too long to render.*"
_OUR_TEXT_BLOCK = re.compile(
    "(" + "|".join(map(re.escape, (SHOWN_AS_TEXT, TOO_LONG))) + r"|\*A raw cell"
    r"(?: \([\w.+/-]{1,60}\))?, shown as text by the grader:\*)\n\n(~{3,})\n(.*)\n\2\n",
    re.DOTALL)


def _is_our_text_block(source: str) -> bool:
    """Already shown as text by ``as_text_block`` with one of this module's notes (so a
    second cleaning leaves it alone)."""
    block = _OUR_TEXT_BLOCK.fullmatch(source)
    return block is not None and \
        max(map(len, re.findall("~+", block.group(3))), default=0) < len(block.group(2))


_CACHE: dict[tuple[str, int], tuple[str, int]] = {}
_CACHE_ENTRIES = 4096


def _neutralise(source: str, attachments: Mapping | None, room: int) -> tuple[str, int]:
    """(``neutralise_markdown``'s result, characters rendered), rendering at most
    ``room`` characters. Cleaning the result again gives it back unchanged.

    Results without attachments are cached by source: every learner's notebook holds
    the course's markdown, and rendering is the costly part of grading's main process."""
    if attachments:
        return _neutralise_uncached(source, attachments, room)
    key = (source, room)
    if key not in _CACHE:
        if len(_CACHE) >= _CACHE_ENTRIES:
            _CACHE.clear()
        _CACHE[key] = _neutralise_uncached(source, None, room)
    return _CACHE[key]


def _neutralise_uncached(source: str, attachments: Mapping | None, room: int
                         ) -> tuple[str, int]:
    if _is_our_text_block(source):
        return source, 0
    if len(source) > room:
        return as_text_block(source, TOO_LONG), 0
    escaped = escape_html_outside_code(source)
    if len(escaped) > room:
        return as_text_block(source, TOO_LONG), 0
    try:
        if not unsafe_html(render_markdown(escaped, attachments)):
            return escaped, len(escaped)
    except Exception:  # noqa: BLE001 -- e.g. a missing attachment: show as text
        pass
    return as_text_block(source, SHOWN_AS_TEXT), len(escaped)


def neutralise_markdown(source: str, attachments: Mapping | None = None) -> str:
    """A learner's markdown that renders no HTML of the learner's (see module doc)."""
    return _neutralise(source, attachments, CELL_RENDER_LIMIT)[0]


def clean_attachments(attachments) -> dict:
    """Markdown attachments reduced to valid PNG/JPEG images."""
    out = {}
    for name, bundle in (attachments.items() if isinstance(attachments, dict) else []):
        images = {mime: image_base64(bundle[mime], mime) for mime in IMAGE_MAGIC
                  if isinstance(bundle, dict) and mime in bundle}
        images = {mime: data for mime, data in images.items() if data is not None}
        if images and isinstance(name, str):
            out[name] = images
    return out


# ----------------------------------------------------------------------------- notebook

def _cell_metadata(meta, cell_type: str) -> dict:
    """The cell metadata nbgrader and Jupyter's own display use; no widget state."""
    meta = meta if isinstance(meta, dict) else {}
    out = {}
    nbgrader = meta.get("nbgrader")
    if isinstance(nbgrader, dict) and nbgrader.get("grade_id"):
        out["nbgrader"] = nbgrader
    tags = meta.get("tags")
    if isinstance(tags, list) and all(isinstance(t, str) for t in tags):
        out["tags"] = tags
    jupyter = meta.get("jupyter")
    if isinstance(jupyter, dict):
        hidden = {k: v for k, v in jupyter.items()
                  if k in ("source_hidden", "outputs_hidden") and isinstance(v, bool)}
        if hidden:
            out["jupyter"] = hidden
    for key in ("collapsed", "editable", "deletable"):
        if isinstance(meta.get(key), bool):
            out[key] = meta[key]
    if meta.get("scrolled") in (True, False, "auto"):
        out["scrolled"] = meta["scrolled"]
    if cell_type == "raw" and isinstance(meta.get("raw_mimetype"), str):
        out["raw_mimetype"] = meta["raw_mimetype"]
    return out


def _is_course_cell(cell, course: Mapping[str, str]) -> bool:
    meta = cell.metadata.get("nbgrader", {})
    gid = meta.get("grade_id") if isinstance(meta, dict) else None
    return gid in course and meta.get("locked") is True and cell.source == course[gid]


def _raw_as_markdown(cell, kind) -> None:
    plain = isinstance(kind, str) and re.fullmatch(r"[\w.+/-]{1,60}", kind)
    label = f" ({kind})" if plain else ""
    cell.cell_type = "markdown"
    cell.metadata.pop("raw_mimetype", None)
    cell.pop("attachments", None)
    cell.source = as_text_block(cell.source,
                                f"*A raw cell{label}, shown as text by the grader:*")


def clean_notebook(nb, course: Mapping[str, str] | None = None):
    """Clean ``nb`` in place (and return it): outputs and execution counts of code cells,
    learner markdown and raw cells, attachments, and metadata. ``course`` maps the grade
    id of each locked markdown or raw cell the course released to its source; such a
    cell, unchanged, is left as written."""
    course = course or {}
    nb.metadata = from_dict({k: v for k, v in nb.metadata.items()
                             if isinstance(v, NB_METADATA.get(k, ()))})
    budget = NOTEBOOK_RENDER_LIMIT
    for cell in nb.cells:
        raw_kind = (cell.metadata.get("raw_mimetype") or cell.metadata.get("format")
                    if cell.cell_type == "raw" else None)
        cell.metadata = from_dict(_cell_metadata(cell.metadata, cell.cell_type))
        if cell.cell_type == "code":
            cell.outputs = [from_dict(o) for o in clean_outputs(cell.get("outputs", []))]
            count = cell.get("execution_count")
            cell.execution_count = count if type(count) is int else None
        elif _is_course_cell(cell, course):
            continue
        elif cell.cell_type == "markdown":
            if "attachments" in cell:
                cell.attachments = from_dict(clean_attachments(cell.attachments))
                if not cell.attachments:
                    del cell["attachments"]
            cell.source, rendered = _neutralise(cell.source, cell.get("attachments"),
                                                min(CELL_RENDER_LIMIT, budget))
            budget -= rendered
        elif cell.cell_type == "raw":
            _raw_as_markdown(cell, raw_kind)
    return nb
