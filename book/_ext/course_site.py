"""Small Sphinx fixes for the course's site (loaded from _config.yml as a local extension).

1. MathJax 3 is served from the built site instead of a CDN. The pip package
   ``sphinx-mathjax-offline`` (in requirements.txt) ships MathJax 3 and copies it into
   ``_static/mathjax``: the book then typesets its maths offline, on a course server
   without internet access, and in the browser tests. Without the package the book still
   builds, with MathJax from the CDN (the browser tests then report untypeset maths).
3. The learner kit is published with the site: its wheel is built from ``kit/`` into
   ``_static/`` at every build, and the exercise pages and their downloadable notebooks
   give the install line for it under the site's own base URL (``html.baseurl`` in
   ``_config.yml``; ``RNNCOURSE_SITE_URL`` overrides it for a build served elsewhere,
   as the tests do on localhost: the pages then show that address).
2. sphinx-thebe registers its inline configuration script twice under Jupyter Book 1, and
   the second copy throws "Identifier 'THEBE_JS_URL' has already been declared" in every
   page's console. Identical scripts are emitted once.
4. Every figure says what it shows: an image without alt text of its own (a figure drawn
   by a code cell gets its file name unless the cell's ``mystnb: image: alt:`` metadata
   gives one) or outside a numbered, captioned figure is a build warning, and so an error
   under ``-W``.
5. Boxes that scroll sideways show it: ``_static/scroll_cue.js`` marks them for the
   edge shadows of ``custom.css``.
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


SITE_URL_ENV = "RNNCOURSE_SITE_URL"


def site_url_override(app, config):
    """``RNNCOURSE_SITE_URL`` replaces ``html_baseurl`` (a changed value rebuilds every
    page, so no page keeps an old install line)."""
    import os
    override = os.environ.get(SITE_URL_ENV)
    app.course_published_url = (config.html_baseurl or "").rstrip("/") + "/"
    if override:
        config.html_baseurl = override.rstrip("/") + "/"


def _kit_prefixes(app) -> tuple[str, str]:
    """(URL prefix of the kit in committed notebooks, URL prefix in this build)."""
    built = (app.config.html_baseurl or "").rstrip("/") + "/"
    return app.course_published_url + "_static/rnnkit-", built + "_static/rnnkit-"


def kit_install_line(app, pagename, templatename, context, doctree):
    """Pages (the exercises, How to learn) show the kit's install line under this
    build's base URL."""
    published, built = _kit_prefixes(app)
    if published != built and "body" in context:
        context["body"] = context["body"].replace(published, built)


def publish_kit(app, exception):
    """Build the kit's wheel into _static/.

    The downloadable notebooks stay byte for byte the release: their toolkit cell is a
    locked nbgrader cell, and a changed one makes Validate report a changed test cell."""
    if exception is not None or app.builder.format != "html":
        return
    import shutil
    import subprocess
    import sys
    import tempfile
    root = Path(app.srcdir)
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                               "--no-build-isolation", "-q", str(root / "kit"), "-w", tmp],
                              capture_output=True, text=True)
        wheels = list(Path(tmp).glob("rnnkit-*.whl"))
        if proc.returncode != 0 or len(wheels) != 1:
            logger.warning(f"the learner kit's wheel could not be built: {proc.stderr[-2000:]}")
            return
        for old in static.glob("rnnkit-*.whl"):
            old.unlink()
        shutil.copy(wheels[0], static / wheels[0].name)


_FILE_NAME = re.compile(r"^\S*\.(png|jpe?g|gif|svg|webp)$", re.IGNORECASE)
MIN_ALT_WORDS = 8
_CJK_CHAR = re.compile(r"[\u4e00-\u9fff]")


def alt_text_problem(alt: str | None, uri: str = "") -> str | None:
    """What is wrong with an image's alt text, or None: it must exist, not be a file
    name, and describe the picture in a sentence or more."""
    alt = (alt or "").strip()
    if not alt:
        return "has no alt text"
    if alt == uri or _FILE_NAME.match(alt):
        return f"has a file name for alt text ({alt!r})"
    # Chinese has no spaces: two characters count as a word.
    words = len(alt.split()) + len(_CJK_CHAR.findall(alt)) // 2
    if words < MIN_ALT_WORDS:
        return f"has an alt text too short to describe it ({alt!r})"
    return None


def check_figures(app, doctree, docname):
    """Warn about images without a describing alt text or a numbered caption (4. above)."""
    from docutils import nodes
    for image in doctree.findall(nodes.image):
        where = f"{docname}: image {image.get('uri', '?')}"
        problem = alt_text_problem(image.get("alt"), image.get("uri", ""))
        if problem:
            logger.warning(f"{where} {problem}: give its cell `mystnb: image: alt:` metadata",
                           location=image)
        figure = image.parent
        while figure is not None and not isinstance(figure, nodes.figure):
            figure = figure.parent
        if figure is None or not any(isinstance(c, nodes.caption) for c in figure.children):
            logger.warning(f"{where} is not in a captioned figure: give its cell "
                           "`mystnb: figure: caption:` and `name:` metadata", location=image)


# --------------------------------------------------- 6. two editions, English and Chinese
ZH_SUBDIR = "zh"   # where the Chinese edition sits in the site (scripts/i18n.py)


def is_chinese(config) -> bool:
    return (config.language or "").lower().startswith("zh")


def language_switch(app, pagename, templatename, context, doctree):
    """A link at the top of every page to the same page in the other edition."""
    if "body" not in context:
        return
    up = "../" * pagename.count("/")
    if is_chinese(app.config):
        href, label, lang, text = f"../{up}{pagename}.html", "English", "en", "English"
    else:
        href, label, lang, text = f"{up}{ZH_SUBDIR}/{pagename}.html", "中文", "zh-CN", "中文"
    context["body"] = (f'<nav class="lang-switch" aria-label="Language / 语言">'
                       f'<a href="{href}" hreflang="{lang}" lang="{lang}" '
                       f'title="{label}">{text}</a></nav>\n' + context["body"])


class _Origin:
    """Where a message came from, as Sphinx's catalogue wants it (no file positions are
    written: gettext_location is off)."""
    def __init__(self, source: str, line: int):
        self.source, self.line, self.uid = source, line, ""


def remember_figure_alts(app, doctree):
    """Alt texts as read (the gettext builder's post-transforms drop the images, since it
    shows none): kept on the document for :func:`figure_alt_messages`."""
    if app.builder.name != "gettext":
        return
    from docutils import nodes
    doctree["course_alts"] = [(alt, image.source or "", image.line or 0)
                              for image in doctree.findall(nodes.image)
                              for alt in [(image.get("alt") or "").strip()]
                              if alt and not alt_text_problem(alt, image.get("uri", ""))]


def figure_alt_messages(app, doctree, docname):
    """Alt texts of figures are words to translate too: the gettext builder gets them as
    messages of the page's catalogue (Sphinx leaves image attributes out)."""
    if app.builder.name != "gettext":
        return
    from sphinx.util.i18n import docname_to_domain
    catalog = app.builder.catalogs[docname_to_domain(docname, app.config.gettext_compact)]
    for alt, source, line in doctree.get("course_alts", []):
        catalog.add(alt, _Origin(source, line))


def translate_figure_alts(app, doctree):
    """In the Chinese edition, figures' alt texts and the contents' part captions come
    from the page's catalogue."""
    if not is_chinese(app.config) or not app.config.locale_dirs:
        return
    from docutils import nodes
    from sphinx.locale import init as init_locale
    from sphinx.util.i18n import docname_to_domain
    dirs = [str(Path(app.srcdir) / d) for d in app.config.locale_dirs]
    domain = docname_to_domain(app.env.docname, app.config.gettext_compact)
    catalog, has_catalog = init_locale(dirs, app.config.language, domain)
    if not has_catalog:
        return
    for image in doctree.findall(nodes.image):
        alt = (image.get("alt") or "").strip()
        if alt:
            translated = catalog.gettext(alt)
            if translated and translated != alt:
                image["alt"] = translated
    # The table of contents' part captions ("Chapters"): the external toc inserts its
    # toctrees after Sphinx has translated the page, so they are translated here.
    from sphinx import addnodes
    for toctree in doctree.findall(addnodes.toctree):
        caption = toctree.get("caption")
        if caption:
            translated = catalog.gettext(caption)
            if translated and translated != caption:
                toctree["caption"] = toctree["rawcaption"] = translated


# Glued values ({glue:text}`key`) in a translated paragraph: Sphinx parses each
# translation as a small document of its own, after myst-nb has finished with the page
# and let go of its executed notebook, so the value is not found ("No key ... found in
# glue data"). myst-nb has written the page's glued values to its output folder by then;
# a translation reads them from there.
def _lend_glue_to_translations():
    try:
        from myst_nb.core.variables import VariableOutput
        from myst_nb.ext.glue import directives, roles, utils
        from myst_nb.ext.glue.crossref import read_glue_cache
    except ImportError:
        return
    original = utils.retrieve_glue_data
    if getattr(original, "course_site", False):
        return

    def retrieve_glue_data(document, key):
        try:
            return original(document, key)
        except utils.RetrievalError:
            env = getattr(document.settings, "env", None)
            if env is None or "nb_renderer" in document:
                raise
            # uncached: this build has just rewritten the file
            data = read_glue_cache.__wrapped__(env.mystnb_config.output_folder, env.docname)
            if key not in data:
                raise
            return VariableOutput(data=data[key]["data"],
                                  metadata=data[key].get("metadata", {}),
                                  nb_renderer=None, vtype="glue")
    retrieve_glue_data.course_site = True
    for module in (utils, roles, directives):
        if getattr(module, "retrieve_glue_data", None) is original:
            module.retrieve_glue_data = retrieve_glue_data


# Links to a heading of another page, [text](page.md#heading-slug), use the slugs of
# the English headings. Sphinx parses each translated heading as a small document, and
# MyST then records that small document's (Chinese) slug as the page's only one, so every
# such link in the Chinese edition would miss. The page's own slugs are kept around the
# translation step.
_SLUGS = "course_site_myst_slugs"


def _is_translation(document) -> bool:
    return str(document.get("source", "")).endswith("<translated>")


def _slug_keepers():
    from sphinx.transforms import SphinxTransform

    class KeepHeadingSlugs(SphinxTransform):
        default_priority = 19   # just before sphinx.transforms.i18n.Locale (20)

        def apply(self, **kwargs):
            if not _is_translation(self.document):
                slugs = self.env.metadata.get(self.env.docname, {}).get("myst_slugs")
                self.env.temp_data[_SLUGS] = dict(slugs) if slugs else None

    class RestoreHeadingSlugs(SphinxTransform):
        default_priority = 21   # just after it

        def apply(self, **kwargs):
            if _is_translation(self.document):
                return
            slugs = self.env.temp_data.pop(_SLUGS, None)
            if slugs:
                self.env.metadata[self.env.docname]["myst_slugs"] = slugs
    return KeepHeadingSlugs, RestoreHeadingSlugs


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
    app.connect("config-inited", site_url_override)
    app.connect("html-page-context", kit_install_line)
    app.connect("build-finished", publish_kit)
    app.connect("doctree-resolved", check_figures)
    app.connect("html-page-context", language_switch)
    app.connect("doctree-read", remember_figure_alts)
    app.connect("doctree-resolved", figure_alt_messages)
    # before the toctree collector (500) records the captions
    app.connect("doctree-read", translate_figure_alts, priority=400)
    _lend_glue_to_translations()
    for transform in _slug_keepers():
        app.add_transform(transform)
    app.add_js_file("scroll_cue.js", loading_method="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
