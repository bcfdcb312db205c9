"""Learner markdown made safe to render, and learner strings made literal markdown.

nbconvert renders a markdown cell with ``escape=False``: the learner's raw HTML reaches
the page, ``javascript:`` links are kept and ``mermaid`` code blocks are copied in
unescaped. So:

- ``neutralise_markdown``: a learner's markdown with every ``<`` outside code spans,
  code blocks and maths written as ``&lt;``, so tags show as text while markdown's own
  syntax (emphasis, lists, tables, links, maths, code) still renders. The result is then
  rendered with nbconvert's own markdown renderer and every tag and URL in the HTML is
  checked against what markdown produces (``unsafe_html``); anything else (a tokenising
  slip, a ``javascript:`` link, a mermaid block) and the cell is shown as a fenced text
  block (``as_text_block``).
- ``escape_markdown``: a learner-controlled string made literal text inside the
  markdown the pipeline writes (the grading notes).

``clean.py`` applies them to whole notebooks.
"""
from __future__ import annotations

import html
import re
from collections.abc import Mapping

# nbconvert's markdown parser (and so this check) is quadratic on some inputs, e.g.
# thousands of unclosed "\\(": markdown past these sizes is shown as text, unrendered.
CELL_RENDER_LIMIT, NOTEBOOK_RENDER_LIMIT = 20_000, 100_000

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


def neutralise(source: str, attachments: Mapping | None, room: int) -> tuple[str, int]:
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
    return neutralise(source, attachments, CELL_RENDER_LIMIT)[0]
