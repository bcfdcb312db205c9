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
- ``clean_notebook``: that on a notebook, learner markdown neutralised and raw cells
  shown as text (``safe_markdown.py``), plus metadata reduced to an allow list. Cells
  the course wrote (locked cells whose source is the released one) keep their markdown,
  so the course's own HTML still renders.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Mapping

from nbformat import from_dict

from autograder.pipeline.safe_markdown import (CELL_RENDER_LIMIT, NOTEBOOK_RENDER_LIMIT,
                                               as_text_block, neutralise)

IMAGE_MAGIC = {"image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
SHOWN_CHARS = 3000        # of each removed HTML/markdown/JS output, shown as text
ENAME_CHARS, EVALUE_CHARS, LINE_CHARS, TRACEBACK_LINES = 200, 10_000, 10_000, 200
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
            cell.source, rendered = neutralise(cell.source, cell.get("attachments"),
                                                min(CELL_RENDER_LIMIT, budget))
            budget -= rendered
        elif cell.cell_type == "raw":
            _raw_as_markdown(cell, raw_kind)
    return nb
