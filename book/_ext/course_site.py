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


def setup(app):
    try:
        offline = importlib.import_module("sphinx-mathjax-offline")
    except ImportError:
        logger.info("sphinx-mathjax-offline is not installed: MathJax comes from the CDN")
    else:
        offline.setup(app)
    # After every other handler has added its scripts to the page.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
