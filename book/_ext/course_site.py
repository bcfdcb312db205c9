"""Small Sphinx fixes for the course's site (loaded from _config.yml as a local extension).

1. MathJax 3 is served from the built site instead of a CDN. The pip package
   ``sphinx-mathjax-offline`` (in requirements.txt) ships MathJax 3 and copies it into
   ``_static/mathjax``: the book then typesets its maths offline, on a course server
   without internet access, and in the browser tests. Without the package the book still
   builds, with MathJax from the CDN (the browser tests then report untypeset maths).
2. sphinx-thebe registers its inline configuration script twice under Jupyter Book 1, and
   the second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in every
   page's console. Identical scripts are emitted once.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)


def _script_key(script) -> tuple:
    attributes = getattr(script, "attributes", {}) or {}
    # Inline scripts come with filename None or "" depending on who added them.
    return (getattr(script, "filename", str(script)) or "", tuple(sorted(attributes.items())))


def drop_duplicate_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique


_CJK_TERM = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def glossary_terms(glossary: Path) -> list[str]:
    """The Chinese terms of the glossary's tables (first column, "甲 / 乙" split)."""
    terms = []
    for line in glossary.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells:
            terms += [t.strip() for t in cells[0].split("/") if _CJK_TERM.match(t.strip())]
    return sorted(set(terms))


def chinese_search_dictionary(app, config):
    """Give jieba the glossary's terms (see 3. above) when the search is in Chinese."""
    if config.html_search_language != "zh":
        return
    try:
        import jieba
    except ImportError:
        logger.warning("html_search_language is zh but jieba is not installed: Chinese "
                       "text will not be searchable (pip install jieba)")
        return
    import logging as std_logging
    jieba.setLogLevel(std_logging.WARNING)  # not its "Building prefix dict" chatter
    glossary = Path(app.srcdir) / "book" / "glossary.md"
    if not glossary.exists():
        return
    path = Path(app.doctreedir) / "zh_search_terms.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{t}\n" for t in glossary_terms(glossary)), encoding="utf-8")
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(path)}


def setup(app):
    try:
        offline = importlib.import_module("sphinx-mathjax-offline")
    except ImportError:
        logger.info("sphinx-mathjax-offline is not installed: MathJax comes from the CDN")
    else:
        offline.setup(app)
    # After every other handler has added its scripts to the page.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("config-inited", chinese_search_dictionary)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
