"""The Chinese edition: one source, two languages, through Sphinx's gettext catalogues.

    python scripts/i18n.py pot        # message templates of every page -> _build/gettext
    python scripts/i18n.py update     # pot, then merge into locales/zh_CN/LC_MESSAGES/*.po
    python scripts/i18n.py build      # the Chinese edition -> _build/html/zh
    python scripts/i18n.py status     # per catalogue: translated, untranslated, fuzzy, stale
    python scripts/i18n.py notebooks  # exercise notebooks in Chinese -> locales/zh_CN/exercises
    python scripts/i18n.py kit        # the learner kit's messages -> kit/rnnkit/locale (fast)

The English pages are the source. ``update`` (``make translations``) extracts every
translatable paragraph, heading, table cell, caption and alt text into one template per
page and merges it into the page's catalogue: a new paragraph arrives untranslated, a
changed one arrives *fuzzy* (its old translation kept as a draft to revise), a removed
one becomes obsolete. ``tests/test_translations.py`` fails while any entry is
untranslated or fuzzy, or when the committed catalogues are stale against the pages, so
an English change cannot land without its Chinese.

The learner kit's messages (and the judges' and the pipeline's learner-facing reasons)
have their own catalogue, shipped in the kit's wheel:
``kit/rnnkit/locale/zh_CN/LC_MESSAGES/rnnkit.po``. ``kit`` (part of ``update``) extracts
every ``_()``/``N_()`` literal of the kit, the judges and the pipeline, and every
catalogued mistake's ``says``, into ``_build/gettext/rnnkit.pot`` and merges it into that
catalogue the same way; it needs no book build.

Both editions are built by Jupyter Book 1 from the same ``_config.yml``: the Chinese one
from a copy of it with ``language: zh_CN``, the catalogues in ``locales/``, its own
execution cache (its figures are drawn with Chinese labels: pages read
``RNNCOURSE_LANG``), and ``zh/`` as its place in the site.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
LANGUAGE = "zh_CN"
LOCALES = REPO / "locales"
WORK = REPO / "_build" / "i18n"
POT = REPO / "_build" / "gettext"
SITE = REPO / "_build" / "html"
ZH_SUBDIR = "zh"


def _config(kind: str) -> Path:
    """A copy of ``_config.yml`` for the gettext or the Chinese build, with the paths that
    Jupyter Book resolves against the config file's folder made absolute."""
    config = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    sphinx = config.setdefault("sphinx", {})
    sphinx["local_extensions"] = {name: str((REPO / path).resolve())
                                  for name, path in sphinx.get("local_extensions", {}).items()}
    extra = sphinx.setdefault("config", {})
    # One catalogue per page (not per folder), without file positions or uuids, so that
    # moving a paragraph does not touch the catalogue and every diff is about words.
    extra.update(gettext_compact=False, gettext_uuid=False, gettext_location=False,
                 gettext_additional_targets=[])
    execute = config.setdefault("execute", {})
    execute["cache"] = str(REPO / "_build" / ".jupyter_cache")
    if kind == "zh":
        extra.update(language=LANGUAGE, locale_dirs=[str(LOCALES)])
        execute["cache"] = str(REPO / "_build" / ".jupyter_cache_zh")
        config.setdefault("html", {})["baseurl"] = (
            config.get("html", {}).get("baseurl", "").rstrip("/") + f"/{ZH_SUBDIR}/")
        config["title"] = "循环神经网络，从零开始"
    elif kind == "gettext":
        # Figures' captions and alt texts come from executed cells: reuse the English
        # build's cache (warm after `make book`), never fail on a page's error here.
        execute["raise_on_error"] = False
    if os.environ.get("RNNCOURSE_I18N_EXECUTE", "1") == "0":   # authors' quick look
        execute["execute_notebooks"] = "off"
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"_config_{kind}.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def _jupyter_book(config: Path, output: Path, builder: list[str], strict: bool,
                  env: dict | None = None) -> None:
    cmd = [str(BIN / "jupyter-book"), "build", str(REPO), "--config", str(config),
           "--path-output", str(output), *builder]
    if strict:
        cmd += ["-W", "-n", "--keep-going"]
    run_env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               **(env or {})}
    subprocess.run(cmd, cwd=REPO, check=True, env=run_env)


def pot(output: Path = POT) -> Path:
    """Write one ``.pot`` template per page under ``output`` (book/..., exercises/...)."""
    work = WORK / "gettext"
    _jupyter_book(_config("gettext"), work, ["--builder", "custom",
                                             "--custom-builder", "gettext"], strict=False)
    built = work / "_build" / "gettext"
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(built, output)
    # The words of the figures, from the pages' tr("...") calls (autograder/book_i18n.py).
    sys.path.insert(0, str(REPO / "scripts"))
    from catalogues import write_figure_template
    write_figure_template(sorted((REPO / "book").glob("*.md")), output / "figures.pot")
    return output


KIT_PO = REPO / "kit" / "rnnkit" / "locale" / LANGUAGE / "LC_MESSAGES" / "rnnkit.po"


def kit_pot(output: Path = POT) -> Path:
    """The kit's message template, ``output/rnnkit.pot`` (scripts/catalogues.py); written
    after sphinx-intl has merged the pages' templates, which must not take it for a
    page's."""
    sys.path.insert(0, str(REPO / "scripts"))
    from catalogues import KIT_TEMPLATE, write_kit_template
    path = output / f"{KIT_TEMPLATE}.pot"
    write_kit_template(REPO, path)
    return path


def kit() -> Path:
    """The kit's template, merged into its catalogue (kept translations, changed
    messages fuzzy, new ones empty, removed ones dropped)."""
    sys.path.insert(0, str(REPO / "scripts"))
    from catalogues import update_kit_catalogue
    update_kit_catalogue(kit_pot(), KIT_PO, LANGUAGE)
    return KIT_PO


def update() -> None:
    """Templates from the pages, merged into the committed catalogues."""
    templates = pot()
    subprocess.run([str(BIN / "sphinx-intl"), "update", "-p", str(templates),
                    "-d", str(LOCALES), "-l", LANGUAGE, "-w", "0"], check=True, cwd=REPO)
    # Catalogues of pages that no longer exist are removed with their page.
    wanted = {p.relative_to(templates).with_suffix(".po")
              for p in templates.rglob("*.pot")}
    messages = LOCALES / LANGUAGE / "LC_MESSAGES"
    for po in messages.rglob("*.po"):
        if po.relative_to(messages) not in wanted:
            po.unlink()
    for mo in messages.rglob("*.mo"):  # built at every Chinese build, never committed
        mo.unlink()
    kit()
    notebooks()


def notebook_target(chapter: str) -> Path:
    """Where a chapter's Chinese exercise notebook is kept (next to its catalogues)."""
    return LOCALES / LANGUAGE / "exercises" / chapter / f"{chapter}.ipynb"


def notebooks() -> list[Path]:
    """The exercise notebooks in Chinese, from the release and the exercise catalogues
    (scripts/notebook_i18n.py): same cells, same code, same grade ids."""
    sys.path.insert(0, str(REPO / "scripts"))
    from notebook_i18n import translate_file
    written = []
    for english in sorted((REPO / "exercises").glob("ch[0-9][0-9]/ch[0-9][0-9].ipynb")):
        chapter = english.stem
        po = LOCALES / LANGUAGE / "LC_MESSAGES" / "exercises" / chapter / f"{chapter}.po"
        translate_file(english, po, notebook_target(chapter), LANGUAGE)
        written.append(notebook_target(chapter))
    return written


def build(strict: bool = True) -> Path:
    """The Chinese edition into ``_build/html/zh`` (after the English one, which
    replaces ``_build/html`` wholesale)."""
    work = WORK / "zh"
    _jupyter_book(_config("zh"), work, [], strict=strict,
                  env={"RNNCOURSE_LANG": LANGUAGE})
    target = SITE / ZH_SUBDIR
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(work / "_build" / "html", target)
    # The exercise pages' download button gives the page's source notebook: in this
    # edition, the Chinese one.
    for notebook in notebooks():
        chapter = notebook.stem
        dest = target / "_sources" / "exercises" / chapter / f"{chapter}.ipynb"
        if dest.parent.exists():
            shutil.copyfile(notebook, dest)
    return target


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["pot", "update", "build", "status", "notebooks",
                                         "kit"])
    args = parser.parse_args(argv)
    if args.what == "pot":
        print(pot())
    elif args.what == "update":
        update()
    elif args.what == "build":
        print(build())
    elif args.what == "notebooks":
        print("\n".join(str(p) for p in notebooks()))
    elif args.what == "kit":
        print(kit())
        print(kit_status())
    else:
        sys.path.insert(0, str(REPO / "scripts"))
        from catalogues import report
        print(report(LOCALES / LANGUAGE / "LC_MESSAGES", pot()))
        print(kit_status())


def kit_status() -> str:
    """The kit's catalogue per part (the generic frame, each chapter's cases, judges
    and mistakes): translated, untranslated, fuzzy; and staleness."""
    sys.path.insert(0, str(REPO / "scripts"))
    from catalogues import kit_report, kit_stale
    rows = ["| kit/rnnkit | translated | untranslated | fuzzy |", "|---|---|---|---|"]
    for part, (done, empty, fuzzy) in kit_report(KIT_PO).items():
        rows.append(f"| {part} | {done} | {empty} | {fuzzy} |")
    problems = kit_stale(KIT_PO, kit_pot(WORK / "kit"))
    rows += ["", f"kit catalogue stale against the sources: {len(problems)}", *problems[:20]]
    return "\n".join(rows)


if __name__ == "__main__":
    main(sys.argv[1:])
