"""The Chinese edition cannot drift from the English one (issue 22).

- Every catalogue listed in ``locales/zh_CN/COMPLETE`` has no untranslated and no fuzzy
  entry: once a page is translated, an English change fails here until its Chinese is
  written (``make translations``, then translate; docs/translating.md).
- The committed catalogues are not stale: templates extracted afresh from the pages
  (paragraphs, captions, alt texts, the figures' words) have exactly their entries.
- A translation keeps the English's markup and uses the glossary's Chinese terms.
- The learner kit's catalogue (its messages, the judges' and the pipeline's reasons, the
  catalogued mistakes' words) is current against a fresh extraction of the sources, its
  translations keep every ``{placeholder}`` of the English, and its generic frame (the
  messages of every check, not a chapter's hints) is translated; once every entry is,
  ``kit/rnnkit`` goes into ``locales/zh_CN/COMPLETE``.
- Both editions are in one site, each page linking to the same page in the other.
"""
from __future__ import annotations

import re
import sys

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "scripts"))
import catalogues  # noqa: E402
import i18n  # noqa: E402

MESSAGES = REPO / "locales" / "zh_CN" / "LC_MESSAGES"
COMPLETE = REPO / "locales" / "zh_CN" / "COMPLETE"
GLOSSARY = REPO / "book" / "glossary.md"
KIT_PO = catalogues.kit_po(REPO)


def all_catalogues() -> dict[str, catalogues.Catalogue]:
    """The site's catalogues by page, and the kit's as ``kit/rnnkit``."""
    return {**catalogues.catalogues(MESSAGES),
            catalogues.KIT_CATALOGUE: catalogues.read(KIT_PO, catalogues.KIT_CATALOGUE)}


def complete() -> list[str]:
    """Catalogues declared translated (one name per line, e.g. book/ch04_lstm)."""
    return [line.strip() for line in COMPLETE.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_the_complete_list_names_real_catalogues():
    have = all_catalogues()
    assert complete(), "no catalogue is declared complete"
    unknown = [name for name in complete() if name not in have]
    assert not unknown, f"locales/zh_CN/COMPLETE names catalogues that do not exist: {unknown}"


@pytest.mark.parametrize("name", complete())
def test_a_complete_catalogue_has_nothing_untranslated_or_fuzzy(name):
    cat = all_catalogues()[name]
    left = ([f"untranslated: {m[:80]!r}" for m in cat.untranslated]
            + [f"fuzzy: {m[:80]!r}" for m in cat.fuzzy])
    assert not left, (f"{name}: {len(left)} entries to translate (docs/translating.md):\n"
                      + "\n".join(left[:15]))


def test_translations_keep_the_markup():
    problems = catalogues.markup_mismatches(MESSAGES)
    assert not problems, "\n".join(problems[:20])


def test_translations_use_the_glossary_terms():
    misses = catalogues.glossary_misses(MESSAGES, GLOSSARY)
    assert not misses, (f"{len(misses)} entries lack a glossary term's Chinese (or a "
                        "'# term-exception: <term>' comment):\n" + "\n".join(misses[:20]))


def test_the_glossary_check_has_teeth(tmp_path):
    po = tmp_path / "page.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "The forget gate keeps the cell state."\n'
                  'msgstr "它保留细胞状态。"\n\n'
                  '# term-exception: forget gate\n'
                  'msgid "A forget gate, named."\nmsgstr "一个门。细胞状态"\n',
                  encoding="utf-8")
    misses = catalogues.glossary_misses(tmp_path, GLOSSARY)
    assert any("'forget gate'" in m and "它保留" in m for m in misses), misses
    assert not any("一个门" in m and "forget gate" in m for m in misses), misses


def test_the_markup_check_has_teeth(tmp_path):
    po = tmp_path / "page.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "See {numref}`fig-a` and $h_t$ in `f`."\n'
                  'msgstr "见图 a 和 $h_{t}$，以及 `f`。"\n\n'
                  'msgid "4. Long short-term memory"\nmsgstr "4. 长短期记忆网络"\n',
                  encoding="utf-8")
    problems = "\n".join(catalogues.markup_mismatches(tmp_path))
    assert "roles differ" in problems and "maths differ" in problems
    assert "numbered list" in problems


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_catalogues_are_current_with_the_pages(built_book, tmp_path):
    """Templates extracted afresh (from the English build's execution cache) have the
    same entries as the committed catalogues."""
    templates = i18n.pot(tmp_path / "pot")
    problems = catalogues.stale(MESSAGES, templates)
    assert not problems, ("the catalogues are stale against the pages: run `make "
                          "translations` and translate what it adds:\n"
                          + "\n".join(problems[:25]))


@pytest.mark.slow
@pytest.mark.xdist_group("book")
def test_every_page_links_to_itself_in_the_other_edition(built_book):
    zh = built_book / i18n.ZH_SUBDIR
    pages = sorted(p.relative_to(built_book) for p in built_book.glob("**/*.html")
                   if i18n.ZH_SUBDIR not in p.relative_to(built_book).parts[:1]
                   and p.parent.name not in ("_static", "_sources"))
    assert len(pages) > 20
    for page in pages:
        html = (built_book / page).read_text(encoding="utf-8")
        if page.name in ("search.html", "genindex.html") or 'http-equiv="Refresh"' in html:
            continue   # Sphinx's own pages and the root's redirect have no article
        link = re.search(r'<nav class="lang-switch"[^>]*><a href="([^"]+)"', html)
        assert link, f"{page}: no language switch"
        target = ((built_book / page).parent / link.group(1)).resolve()
        assert target == (zh / page).resolve(), f"{page}: switch goes to {link.group(1)}"
        assert target.exists(), f"{page}: no Chinese page at {target}"
        back = re.search(r'<nav class="lang-switch"[^>]*><a href="([^"]+)"',
                         target.read_text(encoding="utf-8"))
        assert back and (target.parent / back.group(1)).resolve() == (built_book / page
                                                                        ).resolve()
        assert '<html lang="zh-CN"' in target.read_text(encoding="utf-8")


def test_figure_words_follow_the_edition(tmp_path, monkeypatch):
    from autograder import book_i18n
    messages = tmp_path / "zh_CN" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "figures.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "training loss"\nmsgstr "训练损失"\n\n'
        '#, fuzzy\nmsgid "pass {k}"\nmsgstr "第 {k} 遍"\n', encoding="utf-8")
    monkeypatch.setattr(book_i18n, "LOCALES", tmp_path)
    book_i18n._messages.cache_clear()
    monkeypatch.setenv("RNNCOURSE_LANG", "en")
    assert book_i18n.tr("training loss") == "training loss"
    monkeypatch.setenv("RNNCOURSE_LANG", "zh_CN")
    assert book_i18n.tr("training loss") == "训练损失"
    assert book_i18n.tr("pass {k}") == "pass {k}", "a fuzzy entry is only a draft"
    assert book_i18n.tr("not in the catalogue") == "not in the catalogue"
    book_i18n._messages.cache_clear()


def test_figure_words_are_collected_from_the_pages(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("---\njupytext:\n  text_representation:\n    extension: .md\n"
                    "    format_name: myst\n---\n\n# A page\n\n"
                    "```{code-cell} ipython3\nax.set_xlabel(tr(\"time step\"))\n"
                    "ax.set_title(tr('pass {k}').format(k=1))\nprint(\"not this\")\n```\n",
                    encoding="utf-8")
    assert sorted(catalogues.figure_messages([page])) == ["pass {k}", "time step"]


def test_the_chinese_notebooks_are_current(tmp_path):
    """locales/zh_CN/exercises/ is what the release and the exercise catalogues make
    (make release / make translations regenerate it)."""
    sys.path.insert(0, str(REPO / "scripts"))
    from notebook_i18n import translate_file
    stale = []
    for english in sorted((REPO / "exercises").glob("ch[0-9][0-9]/ch[0-9][0-9].ipynb")):
        chapter = english.stem
        po = MESSAGES / "exercises" / chapter / f"{chapter}.po"
        fresh = tmp_path / f"{chapter}.ipynb"
        translate_file(english, po, fresh, "zh_CN")
        committed = i18n.notebook_target(chapter)
        if not committed.exists() or committed.read_bytes() != fresh.read_bytes():
            stale.append(chapter)
    assert not stale, (f"Chinese notebooks out of date for {stale}: run "
                       "`python scripts/i18n.py notebooks`")


# ------------------------------------------------------------------ the kit's catalogue

def test_the_kit_catalogue_is_current_with_the_sources(tmp_path):
    """A fresh extraction (no book build: the kit, judges and pipeline sources and the
    mistake catalogues) has exactly the committed catalogue's entries."""
    template = tmp_path / "rnnkit.pot"
    assert catalogues.write_kit_template(REPO, template) > 500
    problems = catalogues.kit_stale(KIT_PO, template)
    assert not problems, ("the kit's catalogue is stale: run `python scripts/i18n.py kit` "
                          "(or `make translations`) and translate what it adds:\n"
                          + "\n".join(problems[:25]))


def test_kit_translations_keep_placeholders_markup_and_glossary_terms():
    problems = (catalogues.placeholder_mismatches(KIT_PO, catalogues.KIT_CATALOGUE)
                + catalogues.markup_mismatches(KIT_PO.parent)
                + catalogues.glossary_misses(KIT_PO.parent, GLOSSARY, skip=()))
    assert not problems, "\n".join(problems[:20])


def test_the_kit_frame_is_translated():
    """The messages every check can give (not a chapter's hints or mistakes) have no
    untranslated or fuzzy entry."""
    done, empty, fuzzy = catalogues.kit_report(KIT_PO)["frame"]
    assert done >= 100 and not empty and not fuzzy, (done, empty, fuzzy)


def test_the_placeholder_check_has_teeth(tmp_path):
    po = tmp_path / "rnnkit.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "{prefix} is wrong (error {err:.1e})."\n'
                  'msgstr "{prefix} 不对（误差 {err}）。"\n\n'
                  'msgid "{function}: passed ({n} case)"\nmsgstr "{function}：通过"\n\n'
                  'msgid "shape {{{shape}}}"\nmsgstr "形状 {{{shape}}}"\n\n'
                  'msgid "{name}: {{name: gradient}}"\nmsgstr "{name}：{{name: 梯度}}"\n',
                  encoding="utf-8")
    problems = "\n".join(catalogues.placeholder_mismatches(po, "kit"))
    assert "missing ['{err:.1e}'], added ['{err}']" in problems
    assert "missing ['{n}']" in problems
    assert "shape" not in problems and "gradient" not in problems, problems


def test_the_pipeline_takes_the_submissions_language_from_a_known_list(tmp_path):
    import nbformat
    from autograder.pipeline.sandbox import Limits, Sandbox
    from autograder.pipeline.worker import submission_language
    nb = nbformat.v4.new_notebook()
    assert submission_language(nb) == "en"
    for value, expected in [("zh_CN", "zh_CN"), ("en", "en"), ("zh-CN", "en"),
                            ("fr", "en"), (["zh_CN"], "en"), ("zh_CN\nX=1", "en")]:
        nb.metadata["rnncourse"] = {"language": value}
        assert submission_language(nb) == expected, value
    nb.metadata["rnncourse"] = "zh_CN"
    assert submission_language(nb) == "en"
    env = Sandbox(tmp_path, Limits(), trusted=True).env(tmp_path, 3, 4, "zh_CN")
    assert env["RNNCOURSE_LANG"] == "zh_CN"
    assert Sandbox(tmp_path, Limits(), trusted=True).env(tmp_path, 3, 4)["RNNCOURSE_LANG"] == "en"


def test_the_outside_judge_words_reasons_in_the_submissions_language(tmp_path):
    """A judge's reason from a recording, in English and under using_language."""
    import json
    from autograder.pipeline.judge import Instance, Judge
    from rnnkit.i18n import using_language
    inst = Instance("ch01", "softmax", 0, (("N", 3), ("V", 6), ("big", 1000.0)))
    (tmp_path / f"{inst.stem}.json").write_text(json.dumps(
        {"function": "softmax", "seed": 0, "status": "error", "error": None}))
    judge = Judge("ch01")
    english = judge.judge_cell("test_softmax", 1.0, [inst], tmp_path)
    with using_language("zh_CN"):
        chinese = judge.judge_cell("test_softmax", 1.0, [inst], tmp_path)
    assert english.reason.startswith("the function raised an error\n(case seed=0, shape {")
    assert chinese.reason.startswith("函数抛出了错误\n(用例 seed=0，形状 {")
    assert english.score == chinese.score == 0.0


def test_chinese_messages_lose_the_english_spaces(monkeypatch):
    from rnnkit import i18n as kit_i18n
    monkeypatch.setenv("RNNCOURSE_LANG", "zh_CN")
    assert kit_i18n.tidy("你读取的门顺序是 ONNX 的（c 是候选值） 读取 h。 提示") == (
        "你读取的门顺序是 ONNX 的（c 是候选值）读取 h。提示")
    assert kit_i18n.tidy("形状 （N, H） 不同") == "形状（N, H）不同"
    monkeypatch.setenv("RNNCOURSE_LANG", "en")
    assert kit_i18n.tidy("shape (N, H) differs") == "shape (N, H) differs"
