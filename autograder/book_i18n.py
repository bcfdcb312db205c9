"""Words drawn into the book's figures, in the language of the edition being built.

A page's plotting code wraps every title, axis label, legend entry and annotation in
:func:`tr`::

    from autograder.book_i18n import tr, use_language_fonts
    use_language_fonts()
    ax.set_xlabel(tr("passes over the training text"))

In the English build ``tr`` returns its argument. The Chinese build sets
``RNNCOURSE_LANG=zh_CN`` (scripts/i18n.py); ``tr`` then returns the entry of
``locales/zh_CN/LC_MESSAGES/figures.po``, and :func:`use_language_fonts` gives matplotlib
a CJK font. ``make translations`` collects every ``tr("...")`` literal of the pages'
code cells into that catalogue, and tests/test_translations.py holds it to the same
rules as the pages' own: nothing untranslated, nothing stale. A string without an entry
(a page edited and not yet translated) is drawn in English rather than failing the build;
the test is what keeps that from landing.

Formatted labels translate the template and fill it afterwards:
``tr("pass {k}").format(k=3)``.
"""
from __future__ import annotations

import functools
import os

from autograder.reference import REPO

LOCALES = REPO / "locales"
CATALOGUE = "figures"
# Families tried in order for Chinese text; scripts/system-deps.sh installs the first.
CJK_FONTS = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "SimHei",
             "Microsoft YaHei", "PingFang SC"]


def language() -> str:
    return os.environ.get("RNNCOURSE_LANG", "en") or "en"


@functools.lru_cache(maxsize=4)
def _messages(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po
    path = LOCALES / lang / "LC_MESSAGES" / f"{CATALOGUE}.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        catalog = read_po(f)
    return {m.id: m.string for m in catalog
            if m.id and m.string and not m.fuzzy and isinstance(m.id, str)}


def tr(text: str) -> str:
    """``text`` in the edition's language (itself in English, or when untranslated)."""
    lang = language()
    if lang == "en":
        return text
    return _messages(lang).get(text, text)


def use_language_fonts() -> None:
    """Give matplotlib a font with the edition's script (a no-op in English)."""
    if not language().startswith("zh"):
        return
    import matplotlib as mpl
    from matplotlib import font_manager
    installed = {f.name for f in font_manager.fontManager.ttflist}
    chosen = [name for name in CJK_FONTS if name in installed]
    if not chosen:
        raise RuntimeError("the Chinese edition draws Chinese text in its figures, but no "
                           f"CJK font is installed (one of {', '.join(CJK_FONTS)}): run "
                           "`make system-deps`")
    mpl.rcParams["font.sans-serif"] = chosen + list(mpl.rcParams["font.sans-serif"])
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["axes.unicode_minus"] = False   # CJK fonts often lack U+2212
