"""The kit's messages in the learner's language (English, or Chinese: ``zh_CN``).

Every learner-facing sentence of the kit is an English template wrapped in :func:`_`
where it is shown: ``_("{func}: {name} is None.").format(func=..., name=...)``. Words
kept as data (a case's hints, a catalogued mistake's ``says``) are marked with
:func:`N_` where they are written, so that the extractor finds them, and go through
:func:`_` where they are shown. In English :func:`_` returns its argument, so the
English messages are the templates themselves.

The language (:func:`language`), first that applies:

1. a block under :func:`using_language` (the grading pipeline's outside judge words a
   submission's reasons in the submission's language; a context variable, so the
   process's environment is never changed);
2. the environment variable ``RNNCOURSE_LANG`` (set by the pipeline in the sandboxed
   kernel, or by a learner);
3. the notebook being run says it in ``metadata.rnncourse.language``: the notebook
   named by ``JPY_SESSION_NAME`` (Jupyter sets it to the notebook's path), else a
   ``<chapter>.ipynb`` in the current folder (nbgrader runs the kernel beside the
   notebook);
4. English.

A language other than those in :data:`LANGUAGES` is English. Translations are read from
``locale/<lang>/LC_MESSAGES/rnnkit.po`` (shipped in the wheel) by the small reader
:func:`read_po`; an untranslated or fuzzy entry is shown in English. Nothing here ever
raises into a learner's check: any trouble means English.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import json
import os
import re
from pathlib import Path
from typing import Iterator

__all__ = ["LANGUAGES", "ENV", "language", "normalise", "using_language", "_", "N_",
           "tidy", "read_po", "notebook_language"]

LANGUAGES = ("en", "zh_CN")
ENV = "RNNCOURSE_LANG"
SESSION_ENV = "JPY_SESSION_NAME"
LOCALE = Path(__file__).resolve().parent / "locale"
DOMAIN = "rnnkit"
_ALIASES = {"zh": "zh_CN", "zh_cn": "zh_CN", "zh-cn": "zh_CN", "zh_hans": "zh_CN",
            "zh-hans": "zh_CN", "zh_hans_cn": "zh_CN", "en": "en"}
_FORCED: contextvars.ContextVar[str | None] = contextvars.ContextVar("rnnkit_language",
                                                                    default=None)


def normalise(value) -> str | None:
    """``value`` as one of :data:`LANGUAGES` ("zh-CN", "zh_CN.UTF-8" -> "zh_CN"), or
    None when it names no language the kit has."""
    if not isinstance(value, str):
        return None
    key = value.strip().split(".")[0].replace("-", "_").lower()
    if key.startswith("en"):
        return "en"
    key = _ALIASES.get(key) or _ALIASES.get(key.replace("_", "-"))
    return key if key in LANGUAGES else None


# ------------------------------------------------------------------ the notebook's word
_NOTEBOOKS: dict[str, tuple[tuple[int, int], str | None]] = {}   # path -> (stat, language)
MAX_NOTEBOOK_BYTES = 64 << 20


def notebook_language(path) -> str | None:
    """``metadata.rnncourse.language`` of the notebook at ``path`` (normalised), or None
    if it says none or cannot be read. Cached per path, size and modification time."""
    try:
        stat = os.stat(path)
        key, mark = str(path), (stat.st_mtime_ns, stat.st_size)
        cached = _NOTEBOOKS.get(key)
        if cached is not None and cached[0] == mark:
            return cached[1]
        found = None
        if stat.st_size <= MAX_NOTEBOOK_BYTES:
            with open(path, "rb") as f:
                notebook = json.load(f)
            meta = notebook.get("metadata", {}) if isinstance(notebook, dict) else {}
            course = meta.get("rnncourse", {}) if isinstance(meta, dict) else {}
            found = normalise(course.get("language")) if isinstance(course, dict) else None
        if len(_NOTEBOOKS) > 64:
            _NOTEBOOKS.clear()
        _NOTEBOOKS[key] = (mark, found)
        return found
    except Exception:  # noqa: BLE001 -- unreadable, not JSON, anything: no word from it
        return None


def _session_notebook() -> Path | None:
    """The notebook this kernel runs: Jupyter's ``JPY_SESSION_NAME`` (a path, absolute
    or relative to the server's root, which is often the kernel's folder's parent), else
    the one ``<chapter>.ipynb`` of the current folder (the newest, if several)."""
    try:
        session = os.environ.get(SESSION_ENV)
        if session and session.endswith(".ipynb"):
            path = Path(session)
            for candidate in ([path] if path.is_absolute() else
                              [Path.cwd() / path, Path.cwd() / path.name]):
                if candidate.is_file():
                    return candidate
        from rnnkit.course import CHAPTERS, notebook_name
        here = [Path.cwd() / notebook_name(chapter) for chapter in CHAPTERS]
        found = [p for p in here if p.is_file()]
        return max(found, key=lambda p: p.stat().st_mtime) if found else None
    except Exception:  # noqa: BLE001 -- no folder, no permission: no notebook
        return None


def language() -> str:
    """The language the kit's messages are in now (see the module's docstring)."""
    forced = _FORCED.get()
    if forced is not None:
        return forced
    env = os.environ.get(ENV)
    if env:
        return normalise(env) or "en"
    notebook = _session_notebook()
    if notebook is not None:
        return notebook_language(notebook) or "en"
    return "en"


@contextlib.contextmanager
def using_language(lang) -> Iterator[str]:
    """Word every message of the block in ``lang`` (an unknown language: English),
    whatever the environment or notebook says; for this thread or task only."""
    token = _FORCED.set(normalise(lang) or "en")
    try:
        yield _FORCED.get()
    finally:
        _FORCED.reset(token)


# ------------------------------------------------------------------ the catalogue
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a",
            "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE = re.compile(r'\\(?:([ntr"\\abfv])|([0-7]{1,3})|x([0-9a-fA-F]{2}))')


def _unescape(text: str) -> str:
    def one(m: re.Match) -> str:
        if m.group(1):
            return _ESCAPES[m.group(1)]
        return chr(int(m.group(2), 8) if m.group(2) else int(m.group(3), 16))
    return _ESCAPE.sub(one, text)


def read_po(text: str) -> dict[str, str]:
    """msgid -> msgstr of a PO file's finished entries: the header, obsolete (``#~``),
    fuzzy and untranslated entries are left out; for a plural entry, ``msgstr[0]``.
    Message contexts are not used by the kit (an entry with one is left out)."""
    messages: dict[str, str] = {}
    entry: dict[str, list[str]] = {}
    flags: set[str] = set()
    field = None

    def complete() -> bool:
        return any(key.startswith("msgstr") for key in entry)

    def finish() -> None:
        ident = "".join(entry.get("msgid", []))
        string = "".join(entry.get("msgstr", entry.get("msgstr[0]", [])))
        if ident and string and "fuzzy" not in flags and "msgctxt" not in entry:
            messages[ident] = string

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):               # a comment starts the next entry
            if complete():
                finish()
                entry, flags, field = {}, set(), None
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            continue                           # obsolete entries (#~) too
        if line.startswith('"'):
            if field is not None and line.endswith('"') and len(line) > 1:
                entry[field].append(_unescape(line[1:-1]))
            continue
        keyword, _space, rest = line.partition(" ")
        if keyword in ("msgctxt", "msgid") and complete():
            finish()
            entry, flags = {}, set()
        rest = rest.strip()
        field = keyword
        entry[field] = [_unescape(rest[1:-1])] if len(rest) > 1 and rest[0] == rest[-1] == '"' \
            else []
    if complete():
        finish()
    return messages


@functools.lru_cache(maxsize=8)
def _catalogue(lang: str) -> dict[str, str]:
    path = LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        return read_po(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 -- no catalogue, or a broken one: English
        return {}


def _(message):
    """``message`` (an English template or text) in the current language; itself in
    English, when untranslated, or when anything goes wrong."""
    if not isinstance(message, str) or not message:
        return message
    try:
        lang = language()
        if lang == "en":
            return message
        return _catalogue(lang).get(message, message)
    except Exception:  # noqa: BLE001 -- a message is never lost to its translation
        return message


_CLOSING = "，。、；：！？）】」』”"
_OPENING = "，。、；：！？（【「『“"
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"
_BRACKET_END = "）】」』”"
_EXTRA_SPACE = re.compile(f"[ ]+(?=[{_CLOSING}])|(?<=[{_OPENING}])[ ]+"
                          f"|(?<=[{_HAN}])[ ](?=[{_HAN}])"
                          f"|(?<=[{_BRACKET_END}])[ ]+(?=[{_HAN}])"
                          f"|[ ]+(?=[（【「『“])")
_CHINESE = re.compile(f"[{_HAN}{_OPENING}{_CLOSING}]")


def tidy(text: str) -> str:
    """A message put together from pieces, with the spaces that English puts between
    them taken away where Chinese wants none: around Chinese punctuation ("。 提示" ->
    "。提示") and between two Chinese characters. In English, or in text without
    Chinese, the text is returned as it is (an English message quoting a learner's
    Chinese words keeps them as they were)."""
    try:
        if not isinstance(text, str) or not _CHINESE.search(text) or language() == "en":
            return text
        return _EXTRA_SPACE.sub("", text)
    except Exception:  # noqa: BLE001 -- a message is never lost to its tidying
        return text


def N_(message: str) -> str:
    """Mark words kept as data (a hint, a table of hints) for the extractor; they are
    translated where they are shown, with :func:`_`."""
    return message
