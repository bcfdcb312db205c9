"""Serve MathJax 3 from the built site instead of a CDN.

The pip package ``sphinx-mathjax-offline`` (listed in requirements.txt) ships MathJax 3
and copies it into ``_static/mathjax``: the book then typesets its maths offline, on a
course server without internet access, and in the browser tests. Without the package the
book still builds, with MathJax from the CDN (the browser tests then report untypeset
maths).
"""
from __future__ import annotations

import importlib

from sphinx.util import logging

logger = logging.getLogger(__name__)


def setup(app):
    try:
        offline = importlib.import_module("sphinx-mathjax-offline")
    except ImportError:
        logger.info("sphinx-mathjax-offline is not installed: MathJax comes from the CDN")
    else:
        offline.setup(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
