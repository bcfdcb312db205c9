"""Learner HTML and JavaScript never rendered (autograder/pipeline/clean.py).

Every channel through which nbconvert's HTML templates (formgrader, feedback) copy a
learner's markup into the page: rich outputs, SVG, widget views and widget state, image
metadata, markdown's raw HTML, ``javascript:`` links and mermaid blocks, raw cells,
attachments, and the grading notes. Each test renders the hostile input both before and
after cleaning with nbconvert's real exporter, so it shows the page would run the
learner's code without the cleaning, and does not with it.
"""
from __future__ import annotations

import base64
import copy
import html
import html.parser
import random
import re

import nbformat
import pytest
from nbconvert import HTMLExporter

from autograder.pipeline import clean, nbgrader_steps, safe_markdown
from autograder.pipeline.clean import clean_notebook, clean_outputs
from autograder.pipeline.safe_markdown import (as_text_block, escape_markdown,
                                               neutralise_markdown, render_markdown,
                                               unsafe_html)
from course import REPO

PNG = base64.b64encode(
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00"
    b"\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05"
    b"\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82").decode()
JPEG = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01"
                        b"\x00\x01\x00\x00\xff\xd9").decode()
SVG = '<svg xmlns="http://www.w3.org/2000/svg"><script>window.PWNED=3</script></svg>'
WIDGET_STATE = {"application/vnd.jupyter.widget-state+json": {
    "version_major": 2, "version_minor": 0,
    "state": {"m1": {"model_name": "HTMLModel",
                     "model_module": "@jupyter-widgets/controls",
                     "model_module_version": "2.0.0",
                     "state": {"value": "<img src=x onerror=window.PWNED=7>"}}}}}
KERNEL = {"name": "python3", "display_name": "Python 3", "language": "python"}
RICH = {"text/html": "<script>window.PWNED=1</script><b>x</b>",
        "application/javascript": "window.PWNED=2",
        "text/markdown": "<img src=x onerror=window.PWNED=4>",
        "image/svg+xml": SVG,
        "text/latex": "$x$",
        "application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2,
                                                     "version_minor": 0},
        "application/vnd.custom+json": {"html": "<script>window.PWNED=5</script>"}}
HOSTILE_MARKDOWN = [
    "Notes <script>window.PWNED=1</script> and *emphasis*",
    '<img src=x onerror="window.PWNED=2">',
    "<div onmouseover=alert(1)>hover</div>",
    "[click](javascript:window.PWNED=3)",
    "[click](&#106;avascript:window.PWNED=3)",
    "[click]( JaVaScRiPt:window.PWNED=3 )",
    "[ref][1]\n\n[1]: javascript:window.PWNED=3",
    "```mermaid\n<img src=x onerror=window.PWNED=4>\n```",
    "  ``` Mermaid\n<img src=x onerror=window.PWNED=4>\n  ```",
    "<iframe src='data:text/html,<script>window.PWNED=5</script>'></iframe>",
    "<!-- --><script>window.PWNED=6</script>",
    "<svg><script>window.PWNED=7</script></svg>",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href='javascript:alert(1)'>x</a>",
    "`code` <style>body{display:none}</style>",
    "<s>strike</s> `<script>fine in code</script>`",
    "$$a<b$$ <script>window.PWNED=8</script>",
    "| a | b |\n|---|---|\n| <script>window.PWNED=9</script> | `x|y` |",
    "- item\n\n  <script>window.PWNED=10</script>",
    "> quote <img src=x onerror=alert(1)>",
]


class Page(html.parser.HTMLParser):
    """Scripts, event-handler attributes, javascript: URLs and active elements of a page,
    as a browser's parser would find them."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.scripts, self.handlers, self.js_urls, self.active = [], [], [], []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key.lower().startswith("on"):
                self.handlers.append((tag, key, value))
            url = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if key.lower() in ("href", "src", "action", "formaction", "data") and \
                    url.startswith(("javascript:", "vbscript:", "data:text")):
                self.js_urls.append((tag, value))
        if tag in ("iframe", "object", "embed", "svg", "math", "base", "form"):
            self.active.append(tag)
        if tag == "script":
            self._in_script = True
            self.scripts.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def page(nb) -> Page:
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(copy.deepcopy(nb))
    return Page(body)


def learner_code_runs(nb, baseline: Page) -> list:
    """What in the exported page is the learner's, and would run: scripts the template
    does not write, event handlers, javascript: URLs, active elements."""
    got = page(nb)
    extra = [s for s in got.scripts if s not in baseline.scripts or "PWNED" in s]
    return extra + got.handlers + got.js_urls + got.active


@pytest.fixture(scope="module")
def baseline() -> Page:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1"), nbformat.v4.new_markdown_cell("# t")]
    return page(nb)


def display(data: dict, metadata: dict | None = None, kind="display_data") -> dict:
    out = {"output_type": kind, "data": dict(data), "metadata": metadata or {}}
    if kind == "execute_result":
        out["execution_count"] = 3
    return out


def notebook_with_outputs(outputs: list[dict]):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = [nbformat.from_dict(o) for o in outputs]
    nb.cells = [cell]
    return nb


# ----------------------------------------------------------------------------- outputs

def test_rich_outputs_are_reduced_to_text_and_images(baseline):
    outputs = [display({**RICH, "text/plain": "<IPython.core.display.HTML object>"}),
               display(RICH, kind="execute_result"),
               display({"image/svg+xml": SVG}),
               display({"application/javascript": "window.PWNED=2"})]
    # teeth: without cleaning, nbconvert's page runs the learner's code
    assert learner_code_runs(notebook_with_outputs(outputs), baseline)
    cleaned = clean_outputs(outputs)
    assert len(cleaned) == 4
    for out in cleaned:
        assert set(out["data"]) == {"text/plain"}, out
        assert out["metadata"] == {}
    assert learner_code_runs(notebook_with_outputs(cleaned), baseline) == []
    # what was removed is shown as text, in text/plain (escaped by the template)
    text = cleaned[0]["data"]["text/plain"]
    assert "text/html output not shown" in text
    assert "<script>window.PWNED=1</script>" in text
    assert "<IPython.core.display.HTML object>" not in text
    assert "window.PWNED=3" in cleaned[2]["data"]["text/plain"]
    assert cleaned[1]["execution_count"] == 3
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(
        notebook_with_outputs(cleaned))
    assert "&lt;script&gt;window.PWNED=1&lt;/script&gt;" in body


def test_a_real_text_plain_is_kept_and_the_removed_html_dropped():
    [out] = clean_outputs([display({"text/plain": "   a  b\n0  1  2",
                                    "text/html": "<table onclick=x>...</table>"})])
    assert out["data"] == {"text/plain": "   a  b\n0  1  2"}


def test_an_honest_png_and_jpeg_survive_byte_identical(baseline):
    meta = {"image/png": {"width": 640, "height": 480.0}, "image/jpeg": {"width": 20}}
    figure = "<Figure size 640x480 with 1 Axes>"
    [out] = clean_outputs([display({"image/png": PNG, "image/jpeg": JPEG,
                                    "text/plain": figure}, meta)])
    assert base64.b64decode(out["data"]["image/png"]) == base64.b64decode(PNG)
    assert out["data"]["image/jpeg"] == JPEG
    assert out["data"]["text/plain"] == figure
    assert out["metadata"] == {"image/png": {"width": 640, "height": 480},
                               "image/jpeg": {"width": 20}}
    # nbformat's multi-line form, and base64 wrapped in lines, give the same image
    wrapped = "\n".join(PNG[i:i + 20] for i in range(0, len(PNG), 20))
    [out] = clean_outputs([display({"image/png": wrapped.splitlines(True)})])
    assert out["data"]["image/png"] == PNG
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(
        notebook_with_outputs([display({"image/png": PNG})]))
    assert f"data:image/png;base64,{PNG}" in body


def test_image_attribute_injection_is_dropped(baseline):
    bad_meta = {"image/png": {"width": "1 onerror=window.PWNED=1", "height": True,
                              "alt": "x", "unconfined": True},
                "isolated": True, "filenames": {"image/png": "javascript:x"}}
    outputs = [display({"image/png": PNG}, bad_meta),
               display({"image/png": PNG + '" onerror="window.PWNED=2'}),
               display({"image/png": base64.b64encode(b"<script>x</script>").decode()}),
               display({"image/jpeg": PNG})]  # a PNG is not a JPEG
    assert learner_code_runs(notebook_with_outputs(outputs[:2]), baseline)
    cleaned = clean_outputs(outputs)
    assert cleaned[0] == {"output_type": "display_data", "data": {"image/png": PNG},
                          "metadata": {}}
    for out in cleaned[1:]:
        assert set(out["data"]) == {"text/plain"}
        assert "not a valid" in out["data"]["text/plain"]
    assert learner_code_runs(notebook_with_outputs(cleaned), baseline) == []


def test_stream_and_error_outputs_stay_text():
    long = "x" * 50_000
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["a <b>\n", "c\n"]},
               {"output_type": "stream", "name": "<script>", "text": "d"},
               {"output_type": "error", "ename": "E" * 500, "evalue": long,
                "traceback": ["line <script>"] * 500 + [long]},
               {"output_type": "evil", "data": {"text/html": "<script>"}}, "not a dict"]
    stream, renamed, error, unknown, other = clean_outputs(outputs)
    assert stream == {"output_type": "stream", "name": "stdout", "text": "a <b>\nc\n"}
    assert renamed["name"] == "stdout"
    assert len(error["ename"]) < 300 and len(error["evalue"]) < 11_000
    assert len(error["traceback"]) <= clean.TRACEBACK_LINES + 1
    assert all(isinstance(x, str) and len(x) < 11_000 for x in error["traceback"])
    assert "removed by the grader" in unknown["text"] and "removed" in other["text"]
    nbformat.validate(notebook_with_outputs(clean_outputs(outputs)))


def test_cleaning_is_idempotent():
    outputs = clean_outputs([display({**RICH, "text/plain": "<x.Y object>"}),
                             display({"image/png": PNG}, {"image/png": {"width": 3}})])
    assert clean_outputs(copy.deepcopy(outputs)) == outputs


# ----------------------------------------------------------------------------- markdown

@pytest.mark.parametrize("source", HOSTILE_MARKDOWN)
def test_hostile_markdown_is_shown_as_text(source, baseline):
    # teeth: rendered as written, each one is flagged by the check
    assert unsafe_html(render_markdown(source)), source
    out = neutralise_markdown(source)
    assert unsafe_html(render_markdown(out)) == ""
    cleaned = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(out)])
    assert learner_code_runs(cleaned, baseline) == []
    if "PWNED" in source:  # the learner's text is still there, as text
        assert "PWNED" in html.unescape(render_markdown(out))


def test_the_checker_catches_what_the_page_would_run(baseline):
    for source in HOSTILE_MARKDOWN:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
        if learner_code_runs(nb, baseline):
            assert unsafe_html(render_markdown(source))


def test_markdown_syntax_still_renders():
    source = ("# Title\n\nSome *emphasis*, **bold**, a [link](https://example.org), "
              "a < b and `x<y` and $a<b$.\n\n- item\n- [ ] task\n\n| a | b |\n|:--|--:|\n"
              "| 1 | 2 |\n\n> quote\n\n```python\nif a<b:\n    pass\n```\n")
    out = neutralise_markdown(source)
    assert out == source.replace("a < b", "a &lt; b")
    page_html = render_markdown(out)
    for piece in ("<h1", "<em>emphasis</em>", "<strong>bold</strong>",
                  'href="https://example.org"', "<code>x&lt;y</code>", "$a&lt;b$",
                  "<table>", "<blockquote>", "a &lt; b", 'type="checkbox"'):
        assert piece in page_html, piece


def test_course_markdown_is_unchanged():
    """Every markdown cell the course wrote comes out as written (so the check's allow
    list covers what nbconvert makes of ordinary markdown, maths and tables)."""
    count = 0
    for path in sorted((REPO / "exercises").glob("ch*/ch*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                count += 1
                assert neutralise_markdown(cell.source) == cell.source, path
    assert count > 50


def test_random_markdown_never_renders_learner_html():
    pieces = ["<script>window.PWNED=1</script>", "<img src=x onerror=alert(1)>", "`",
              "``", "$", "$$", "\\", "\\(", "\\[", "\\\\[", "\\begin{x}", "\\end{x}",
              "\n", "\n\n", "```", "~~~", "```mermaid\n", "    ", "- ", "> ", "| a |",
              "|---|", "[a](", ")", "javascript:alert(1)", "<", ">", "&lt;", "&#60;", "*",
              "_", "<!--", "-->", "<b>", "</b>", "text ", "<https://x.org>", "[1]: ",
              "![i](", "attachment:a.png", "data:text/html,<b>"]
    rng = random.Random(16)
    for _ in range(1500):
        source = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 14)))
        out = neutralise_markdown(source)
        rendered = render_markdown(out)
        assert unsafe_html(rendered) == "", (source, out)
        # and by a browser-like parser, independent of the module's own check
        found = Page(rendered)
        assert not (found.scripts or found.handlers or found.js_urls or found.active), \
            (source, out)


@pytest.mark.parametrize("text", ["~~~\n<script>x</script>\n~~~~~~", "```\n<b>\n```",
                                  "</code></pre><script>x</script>", "\r~~~~\r<b>"])
def test_text_blocks_cannot_be_closed_from_inside(text):
    out = as_text_block(text, "note")
    assert unsafe_html(render_markdown(out)) == ""
    assert "<b>" not in render_markdown(out) and "<script>" not in render_markdown(out)


def test_long_markdown_is_shown_as_text_once():
    """nbconvert's parser is quadratic on some inputs (thousands of unclosed "\\("):
    past a size, markdown is shown as text, and a second cleaning leaves it alone."""
    long = "\\\\( a <script>x</script> " * 2000
    out = neutralise_markdown(long)
    assert out.startswith(safe_markdown.TOO_LONG) and unsafe_html(render_markdown(out)) == ""
    assert neutralise_markdown(out) == out
    # 9 000 characters each, 15 000 once escaped: six fit the notebook's budget
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("<b>x</b> " * 1000)
                                         for _ in range(8)])
    cleaned = clean_notebook(nb)
    shown = [c.source.startswith(safe_markdown.TOO_LONG) for c in cleaned.cells]
    assert shown == [False] * 6 + [True] * 2
    assert [c.source for c in clean_notebook(copy.deepcopy(cleaned)).cells] == \
        [c.source for c in cleaned.cells]


def test_a_forged_text_block_is_still_checked():
    forged = "[click](javascript:alert(1))\n\n~~~\nx\n~~~\n"
    assert not safe_markdown._is_our_text_block(forged)
    assert unsafe_html(render_markdown(neutralise_markdown(forged))) == ""
    inner = safe_markdown.TOO_LONG + "\n\n~~~\n~~~\n<script>x</script>\n~~~\n"  # closes early
    assert unsafe_html(render_markdown(inner)) and not safe_markdown._is_our_text_block(inner)
    assert unsafe_html(render_markdown(neutralise_markdown(inner))) == ""


@pytest.mark.parametrize("text", [
    "submitted as '<img src=x onerror=alert(1)>.ipynb'",
    "[x](javascript:alert(1)) *bold* `code` $x$ ~~s~~ _u_ \\",
    "# heading\n\n<script>alert(1)</script>", "1. list", "> quote", "&lt;b&gt; entity",
    "---", "=== setext", "| a |\n|---|", "```mermaid\n<b>x</b>\n```"])
def test_escape_markdown_renders_the_literal_text(text):
    rendered = render_markdown("- " + escape_markdown(text))
    assert unsafe_html(rendered) == ""
    assert rendered.count("<li>") == 1
    assert "<a " not in rendered and "<em>" not in rendered
    inner = rendered.split("<li>", 1)[1].rsplit("</li>", 1)[0].strip()
    assert html.unescape(inner) == re.sub(r"\s*\n\s*", " ", text)


def test_escape_markdown_leaves_plain_notes_alone():
    note = ("The answer cell 'rnn_step_forward' appeared 2 times (a copied or split "
            "cell); the first copy was graded.")
    assert escape_markdown(note) == note


def test_grading_notes_escape_learner_strings():
    from autograder.pipeline.verdicts import notes_markdown
    md = notes_markdown(["Submitted as '<img src=x onerror=alert(1)>.ipynb'; graded."],
                         ["'cell 3' did not finish: <script>x</script>."],
                         "an error [x](javascript:alert(1))")
    rendered = render_markdown(md)
    assert unsafe_html(rendered) == ""
    assert "<strong>The grading kernel was tampered with</strong>" in rendered
    assert "&lt;img src=x onerror=alert(1)&gt;" in rendered
    assert "&lt;script&gt;" in rendered and "javascript:alert(1)" in rendered


# ----------------------------------------------------------------------------- notebook

def hostile_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata.update({"widgets": WIDGET_STATE, "kernelspec": KERNEL,
                        "title": "t"})
    code = nbformat.v4.new_code_cell("show()", metadata={
        "widgets": WIDGET_STATE, "tags": ["a"], "jupyter": {"outputs_hidden": False}})
    code.outputs = [nbformat.from_dict(display(RICH)),
                    nbformat.from_dict(display({"image/png": PNG}))]
    code.execution_count = 4
    md = nbformat.v4.new_markdown_cell(HOSTILE_MARKDOWN[0] + "\n\n" + HOSTILE_MARKDOWN[1])
    forged = nbformat.v4.new_markdown_cell(
        "<script>window.PWNED=11</script>",
        metadata={"nbgrader": {"grade_id": "intro", "locked": True},
                  "rnncourse": {"grading_notes": True}})
    course = nbformat.v4.new_markdown_cell(
        "Course text with <b>its own</b> HTML", metadata={"nbgrader": {
            "grade_id": "given", "locked": True, "solution": False, "grade": False}})
    raw = nbformat.v4.new_raw_cell("<script>window.PWNED=6</script>",
                                   metadata={"raw_mimetype": "text/html"})
    attached = nbformat.v4.new_markdown_cell("![a](attachment:ok.png) text")
    attached.attachments = {"ok.png": {"image/png": PNG, "image/svg+xml": SVG}}
    svg_only = nbformat.v4.new_markdown_cell("![s](attachment:evil.svg)")
    svg_only.attachments = {"evil.svg": {"image/svg+xml": base64.b64encode(
        SVG.encode()).decode()}}
    nb.cells = [code, md, forged, course, raw, attached, svg_only]
    return nb


COURSE = {"given": "Course text with <b>its own</b> HTML", "intro": "Welcome"}


def test_clean_notebook_closes_every_channel(baseline):
    nb = hostile_notebook()
    assert learner_code_runs(nb, baseline)  # teeth: the page would run them as it is
    cleaned = clean_notebook(copy.deepcopy(nb), COURSE)
    nbformat.validate(cleaned)
    assert learner_code_runs(cleaned, baseline) == []
    code, md, forged, course, raw, attached, svg_only = cleaned.cells
    assert dict(cleaned.metadata) == {"kernelspec": KERNEL, "title": "t"}
    assert dict(code.metadata) == {"tags": ["a"], "jupyter": {"outputs_hidden": False}}
    assert code.outputs[1].data == {"image/png": PNG} and code.execution_count == 4
    assert "rnncourse" not in forged.metadata and "&lt;script>" in forged.source
    assert course.source == COURSE["given"]  # the course's own HTML is kept
    assert raw.cell_type == "markdown" and "raw cell (text/html)" in raw.source
    assert "<script>" not in render_markdown(raw.source)
    assert dict(attached.attachments) == {"ok.png": {"image/png": PNG}}
    assert f"data:image/png;base64,{PNG}" in render_markdown(attached.source,
                                                             attached.attachments)
    assert "attachments" not in svg_only and "attachment:evil.svg" in svg_only.source
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(cleaned)
    assert "widget-state" not in body and "<b>its own</b>" in body
    assert clean_notebook(copy.deepcopy(cleaned), COURSE) == cleaned  # idempotent


def test_the_graded_notebook_is_clean_before_nbgrader_writes_it(monkeypatch, baseline):
    """The worker builds the autograded notebook (outputs, verdicts) and cleans it; the
    main process's sanitising pass (UseSandboxRun) adds only the escaped notes."""
    nb = hostile_notebook()
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    released = {"given": {"source": COURSE["given"], "locked": True,
                          "cell_type": "markdown", "meta": {}}}
    monkeypatch.setattr(nbgrader_steps, "release_cells", lambda resources, cfg: released)
    graded = nbgrader_steps.graded_notebook(
        nb, {0: ([display(RICH), display({"image/png": PNG})], "7")}, None, "chX", "s",
        "sqlite://")
    resources = {"nbgrader": {"assignment": "chX", "student": "s", "notebook": "chX",
                              "db_url": "sqlite://"}}
    notes = "### Grading notes\n\n- " + escape_markdown("from '<script>x</script>'")
    nbgrader_steps.PAYLOADS[("chX", "s")] = {"notebook": graded, "notes": notes}
    try:
        out, _ = nbgrader_steps.UseSandboxRun().preprocess(nbformat.v4.new_notebook(),
                                                           resources)
        same, _ = nbgrader_steps.ApplySandboxRun().preprocess(out, resources)
    finally:
        nbgrader_steps.PAYLOADS.pop(("chX", "s"))
    assert same is out
    assert out.cells[0].metadata == {"rnncourse": {"grading_notes": True}}
    assert out.cells[0].source == notes
    assert out.cells[1].execution_count is None  # not an int: dropped
    assert out.cells[4].source == COURSE["given"]
    assert learner_code_runs(out, baseline) == []
    # without a sandboxed run (plain `nbgrader autograde`), both refuse
    with pytest.raises(RuntimeError, match="autograder.grade"):
        nbgrader_steps.UseSandboxRun().preprocess(nb, resources)
    with pytest.raises(RuntimeError, match="autograder.grade"):
        nbgrader_steps.ApplySandboxRun().preprocess(nb, resources)
    # and feedback cleans once more, after ClearHiddenTests
    steps = nbgrader_steps.FEEDBACK
    assert steps.index(nbgrader_steps.CleanNotebook) == 1 and steps[0].__name__ == \
        "ClearHiddenTests"


# ----------------------------------------------------------------------------- end to end

HOSTILE_CELLS = [
    ("code", "from IPython.display import HTML, SVG, Javascript, display\n"
             "display(HTML('<script>window.PWNED=1</script><b>x</b>'))"),
    ("code", "display(Javascript('window.PWNED=2'))"),
    ("code", f"display(SVG({SVG!r}))"),
    ("code", "display({'application/vnd.jupyter.widget-view+json': {'model_id': 'm1', "
             "'version_major': 2, 'version_minor': 0},\n"
             "         'text/html': '<img src=x onerror=window.PWNED=8>'}, raw=True)"),
    ("code", "print('plain text survives 12345')"),
    ("code", "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
             "plt.plot([0, 1], [1, 0])\nplt.show()"),
    ("markdown", "My notes <script>window.PWNED=4</script> and "
                 "<img src=x onerror=\"window.PWNED=5\"> and *emphasis*"),
    ("markdown", "[click me](javascript:window.PWNED=10)\n\n```mermaid\n"
                 "<img src=x onerror=window.PWNED=11>\n```"),
    ("raw", "<script>window.PWNED=6</script>"),
]


def hostile_submission(course):
    nb = course.filled("ch01")
    for kind, source in HOSTILE_CELLS:
        if kind == "raw":
            raw = nbformat.v4.new_raw_cell(source, metadata={"raw_mimetype": "text/html"})
            nb.cells.append(raw)
        else:
            nb.cells.append(getattr(nbformat.v4, f"new_{kind}_cell")(source))
    nb.metadata["widgets"] = WIDGET_STATE
    return nb


def browser_sets_pwned(path) -> bool | None:
    """Whether opening ``path`` in Debian's chromium (network blocked) runs a learner's
    script; None when there is no chromium here."""
    import shutil as _shutil
    if not _shutil.which("chromium"):
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium",
                                     args=["--headless", "--no-sandbox", "--disable-gpu"])
        try:
            page_ = browser.new_page()
            page_.route("**/*", lambda route: route.continue_()
                        if route.request.url.startswith("file:") else route.abort())
            page_.goto(path.as_uri(), wait_until="load")
            page_.wait_for_timeout(500)  # onerror handlers of broken images
            return page_.evaluate("() => typeof window.PWNED !== 'undefined'")
        finally:
            browser.close()


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    import json
    import subprocess
    import sys
    from course import Course, nbgrader_env
    root = tmp_path_factory.mktemp("clean")
    course = Course(root / "course", ["ch01"])
    course.copy_release("ch01")
    subs = root / "subs"
    for student in ("honest", "html-everywhere", "renamed-html", "rejected-html"):
        (subs / student).mkdir(parents=True)
    nbformat.write(course.filled("ch01"), subs / "honest" / "ch01.ipynb")
    nbformat.write(hostile_submission(course), subs / "html-everywhere" / "ch01.ipynb")
    nbformat.write(course.filled("ch01"),
                   subs / "renamed-html" / "<img src=x onerror=window.PWNED=12>.ipynb")
    (subs / "rejected-html" / "ch01.ipynb").write_text(json.dumps(
        {"nbformat": "<img src=x onerror=window.PWNED=9>", "cells": []}))
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.grade", "ch01", str(subs), "--root",
         str(course.root), "--cell-timeout", "30", "-q"],
        cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=1500)
    out = course.root / "autograder"
    verdicts = {p.stem: json.loads(p.read_text())
                for p in (out / "reports" / "ch01" / "verdicts").glob("*.json")}
    return {"course": course, "proc": proc, "verdicts": verdicts, "root": root,
            "scores": course.scores("ch01"), "subs": subs,
            "feedback": {s: out / "feedback" / s / "ch01" / "ch01.html"
                         for s in verdicts},
            "autograded": {s: out / "autograded" / s / "ch01" / "ch01.ipynb"
                           for s in verdicts}}


@pytest.mark.slow
@pytest.mark.xdist_group("clean")
def test_learner_html_never_reaches_formgrader_or_feedback(hostile_batch):
    from test_redteam import FULL
    batch = hostile_batch
    proc = batch["proc"]
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    verdicts = batch["verdicts"]
    assert set(verdicts) == {"honest", "html-everywhere", "renamed-html", "rejected-html"}
    for student in ("honest", "html-everywhere", "renamed-html"):
        got = {g: c["score"] for g, c in verdicts[student]["cells"].items()}
        assert got == FULL and batch["scores"][student] == FULL, verdicts[student]
        assert verdicts[student]["status"] == "graded", verdicts[student]
        assert not verdicts[student]["tampering"]
    assert any("submitted as" in n for n in verdicts["renamed-html"]["notes"])
    assert verdicts["rejected-html"]["status"] == "rejected"
    assert "onerror" in verdicts["rejected-html"]["reason"]  # learner text in the reason

    honest_scripts = Page(batch["feedback"]["honest"].read_text()).scripts
    for student, path in batch["feedback"].items():
        text = path.read_text()
        fb = Page(text)
        assert [s for s in fb.scripts if s not in honest_scripts or "PWNED" in s] == [], \
            student
        assert fb.handlers == [] and fb.js_urls == [] and fb.active == [], student
        assert not re.search(r"<[^>]*\sonerror=", text), student  # in a real tag

    # formgrader renders the autograded notebook: the same checks on nbconvert's page
    nb = nbformat.read(batch["autograded"]["html-everywhere"], as_version=4)
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        assert "widgets" not in cell.metadata
        for out in cell.get("outputs", []):
            assert set(out.get("data", {})) <= {"text/plain", "image/png", "image/jpeg"}
    honest = Page(HTMLExporter(template_name="classic").from_notebook_node(
        nbformat.read(batch["autograded"]["honest"], as_version=4))[0])
    assert learner_code_runs(nb, honest) == []

    # what the learner did show is still there, as text; the figure as a PNG
    feedback = html.unescape(batch["feedback"]["html-everywhere"].read_text())
    assert "plain text survives 12345" in feedback
    assert "<script>window.PWNED=1</script><b>x</b>" in feedback  # shown, as text
    assert "My notes <script>window.PWNED=4</script>" in feedback
    pngs = [out.data["image/png"] for cell in nb.cells for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})]
    assert len(pngs) == 1 and base64.b64decode(pngs[0]).startswith(b"\x89PNG")
    page_text = batch["feedback"]["html-everywhere"].read_text()
    assert f"data:image/png;base64,{pngs[0]}" in page_text
    assert "onerror=window.PWNED=9" in html.unescape(
        batch["feedback"]["rejected-html"].read_text())
    assert "onerror=window.PWNED=12" in html.unescape(
        batch["feedback"]["renamed-html"].read_text())

    # in a real browser: the learner's notebook as nbconvert renders it runs the script
    # (so the check can see it); the feedback does not
    raw_page = batch["root"] / "as-submitted.html"
    raw_page.write_text(HTMLExporter(template_name="classic").from_notebook_node(
        nbformat.read(batch["subs"] / "html-everywhere" / "ch01.ipynb", as_version=4))[0])
    ran = browser_sets_pwned(raw_page)
    if ran is not None:
        assert ran is True
        for student, path in batch["feedback"].items():
            assert browser_sets_pwned(path) is False, student
