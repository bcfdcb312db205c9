"""The instructor's HTML report for one assignment, from the verdict files.

One self-contained page that fits a laptop or a phone screen: totals, grader errors, a
grid of small score charts (one per graded question, inline SVG drawn here, so writing
the report needs no plotting library), failures grouped by cause (``failure_causes``)
with one real message each, tampering, rejected submissions, and a table with one row
per learner: a link to their feedback, and their per-test scores and reasons on demand.

Everything a verdict holds may come from a submission (names, reasons, notes): it is
shown as text only, escaped, stripped of control and bidirectional-override characters,
and cut to a fixed length. A strict Content-Security-Policy allows only this page's own
style and sorting script, by their hashes; the table reads the same without script.
"""
from __future__ import annotations

import base64
import collections
import hashlib
import html
import json
import math
import os
import re
import urllib.parse
from pathlib import Path

from autograder.pipeline.failure_causes import Cause, cause_of

MAX_VERDICT_BYTES = 4 << 20     # a larger verdict file is not read
MAX_NAME = 80                   # characters of a learner's name shown
MAX_REASON = 600                # characters of a reason shown per test
MAX_EXAMPLE = 500               # characters of a cause's example message
MAX_LEARNERS_LISTED = 12        # learners named per cause

# C0/C1 controls (but tab and newline), bidirectional embeddings, overrides and
# isolates, zero-width and byte-order marks, and lone surrogates: shown as their code.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e"
                     "\u2060-\u2069\ufeff\ud800-\udfff]")

STYLE = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,sans-serif;color:#222;margin:0 auto;padding:1em 1.5em;
  max-width:1100px}
h1{font-size:1.5em;margin:.3em 0}h2{font-size:1.2em;margin:1.4em 0 .5em}
h3{font-size:1em;margin:0 0 .3em}
bdi,code,a{overflow-wrap:anywhere}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.6em}
.plots figure{margin:0;padding:.4em;border:1px solid #ddd;border-radius:4px;min-width:0}
.plots figcaption{font-size:13px;font-weight:600;overflow-wrap:anywhere}
.plots svg{display:block;width:100%;height:auto}
.causes{list-style:none;padding:0;margin:0}
.causes li{border:1px solid #ddd;border-radius:4px;padding:.5em .7em;margin:0 0 .6em}
.causes meter{width:6em;vertical-align:middle}
.says{margin:.2em 0;font-style:italic}
.msg{white-space:pre-wrap;overflow-wrap:anywhere;font:12px/1.4 ui-monospace,monospace;
  background:#f6f6f6;padding:.4em .6em;margin:.3em 0 0;max-width:100%}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td,th{border:1px solid #ccc;padding:4px 6px;font-size:13px;vertical-align:top;
  text-align:left;overflow-wrap:anywhere}
th button{font:inherit;font-weight:600;border:0;background:none;padding:0;cursor:pointer;
  text-align:left;color:#1a4f8b}
th[aria-sort=ascending] button::after{content:" \\25B2"}
th[aria-sort=descending] button::after{content:" \\25BC"}
col.learner{width:26%}col.score{width:10%}col.status{width:11%}col.failed{width:53%}
col.who{width:22%}col.what{width:14%}col.why{width:64%}
.bad{color:#b03a2e}.flag{background:#fde2e1}
.chip{display:inline-block;font-size:12px;background:#f3e1df;border-radius:3px;
  padding:0 4px;margin:1px 2px 1px 0}
details ul{padding-left:1.1em;margin:.3em 0}details li{margin:.2em 0}
.grader-errors{border:3px solid #c0392b;padding:0 1em 1em}
pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:0}
@media (max-width:600px){body{padding:.6em}td,th{padding:3px 4px}
  .plots{grid-template-columns:repeat(auto-fill,minmax(110px,1fr))}
  /* the learners' table as one card per learner: name, score and status on a line,
     the failed tests and details below at full width */
  table.learners,table.learners thead,table.learners tbody{display:block}
  table.learners colgroup{display:none}
  table.learners tr{display:grid;grid-template-columns:minmax(0,1fr) auto auto;
    border-bottom:1px solid #ccc}
  table.learners td,table.learners th{border:0}
  table.learners tr>:last-child{grid-column:1/-1}}
"""

# Sorts the learners' table when a column's button is clicked (the buttons are added
# here, so that without script the header is plain text and the rows stay in name order).
SCRIPT = """
(() => {
  const table = document.getElementById('learners');
  if (!table) return;
  const body = table.tBodies[0];
  for (const th of table.tHead.rows[0].cells) {
    if (!th.dataset.sort) continue;
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = th.textContent;
    button.title = 'sort by ' + th.textContent;
    th.replaceChildren(button);
    button.addEventListener('click', () => {
      const up = th.getAttribute('aria-sort') !== 'ascending';
      for (const other of table.tHead.rows[0].cells) other.removeAttribute('aria-sort');
      th.setAttribute('aria-sort', up ? 'ascending' : 'descending');
      const col = th.cellIndex, numeric = th.dataset.sort === 'number';
      const value = row => row.cells[col].dataset.value;
      const rows = Array.from(body.rows);
      rows.sort((a, b) => {
        const c = numeric ? Number(value(a)) - Number(value(b))
                          : value(a).localeCompare(value(b));
        return up ? c : -c;
      });
      body.append(...rows);
    });
  }
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CSP = (f"default-src 'none'; style-src {_csp_hash(STYLE)}; script-src {_csp_hash(SCRIPT)}; "
       "img-src 'none'; base-uri 'none'; form-action 'none'")


def clean(value, limit: int | None = None) -> str:
    """``value`` as text that is safe to show: control and direction-changing characters
    replaced by their code point ("<U+202E>"), cut at a word boundary to ``limit``
    characters with an explicit " …"; not yet HTML-escaped."""
    text = value if isinstance(value, str) else str(value)
    if limit is not None and len(text) > limit:
        cut = text[:limit]
        space = max(cut.rfind(" "), cut.rfind("\n"))
        text = (cut[:space] if space > limit * 0.6 else cut).rstrip() + " …"
    return _UNSAFE.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def esc(value, limit: int | None = None) -> str:
    """``clean`` and HTML-escaped (quotes too): for text and attribute values."""
    return html.escape(clean(value, limit), quote=True)


def name_html(value) -> str:
    """A learner's name, isolated from the surrounding text's direction."""
    return f"<bdi>{esc(value, MAX_NAME)}</bdi>"


def number(value) -> float:
    """A finite number from a verdict field, else 0."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return 0.0
    return x if math.isfinite(x) else 0.0


def read_verdicts(folder: Path) -> tuple[list[dict], list[str]]:
    """The verdicts of ``folder`` (``verdicts/*.json``) by learner name, and the names
    of the files that could not be read (too large, not JSON, not a verdict)."""
    verdicts, unreadable = [], []
    for path in sorted(folder.glob("*.json")):
        try:
            if not path.is_file() or path.stat().st_size > MAX_VERDICT_BYTES:
                raise ValueError("too large")
            v = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(v, dict) or not isinstance(v.get("cells", {}), dict):
                raise ValueError("not a verdict")
        except (OSError, ValueError, RecursionError):
            unreadable.append(path.name)
            continue
        v["student"] = str(v.get("student", path.stem))
        v["cells"] = {str(g): c for g, c in v.get("cells", {}).items() if isinstance(c, dict)}
        verdicts.append(v)
    verdicts.sort(key=lambda v: v["student"])
    return verdicts, unreadable


# --- score charts ---------------------------------------------------------------------

def _bars(values: list[tuple[str, int, bool]], title: str) -> str:
    """One small bar chart as SVG that scales to its box: (score label, submissions,
    full marks?) per bar, counts above the bars, scores below."""
    width, height, top = 160, 110, max((n for _, n, _ in values), default=0) or 1
    plot_h, slot = height - 34, (width - 8) / max(1, len(values))
    label = f"{title}: " + ", ".join(f"{n} at {s}" for s, n, _ in values)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {width} {height}' "
             f"role='img' aria-label='{esc(label)}'>"]
    for k, (score, n, full) in enumerate(values):
        h = plot_h * n / top
        x, y = 4 + k * slot + slot * 0.15, 14 + plot_h - h
        parts.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{slot * 0.7:.1f}' "
                     f"height='{h:.1f}' fill='{'#27ae60' if full else '#c0392b'}'>"
                     f"<title>{n} at {esc(score)}</title></rect>")
        mid = x + slot * 0.35
        parts.append(f"<text x='{mid:.1f}' y='{y - 2:.1f}' font-size='10' "
                     f"text-anchor='middle'>{n}</text>")
        parts.append(f"<text x='{mid:.1f}' y='{height - 6}' font-size='10' "
                     f"text-anchor='middle'>{esc(score)}</text>")
    parts.append(f"<line x1='2' x2='{width - 2}' y1='{14 + plot_h}' y2='{14 + plot_h}' "
                 "stroke='#888' stroke-width='0.5'/></svg>")
    return "".join(parts)


def _score_grid(verdicts: list[dict], questions: dict[str, float]) -> str:
    """Per graded question, how many submissions got each score (red: below full), as a
    grid of small charts that wraps to the page's width."""
    figures = []
    for gid, points in sorted(questions.items()):
        scores = [number(v["cells"].get(gid, {}).get("score", 0.0)) for v in verdicts]
        values = sorted({0.0, points, *scores})
        bars = [(f"{x:g}", sum(1 for s in scores if s == x), x >= points) for x in values]
        short = gid.removeprefix("test_")
        full = sum(1 for s in scores if s >= points)
        figures.append(f"<figure><figcaption>{esc(short)} <span class='n'>({full}/"
                       f"{len(scores)} full)</span></figcaption>{_bars(bars, short)}</figure>")
    return ("<h2>Scores per question</h2><p>Submissions per score, out of each question's "
            "points (green: full marks).</p><div class='plots'>" + "".join(figures)
            + "</div>")


# --- failures by cause ----------------------------------------------------------------

def _catalogue_says(assignment: str) -> dict[str, str]:
    """"function/name" -> what the catalogue of mistakes says, for this chapter."""
    try:
        from autograder import mistakes
        return {f"{m.function}/{m.name}": m.says for m in mistakes.catalogue(assignment)}
    except Exception:  # noqa: BLE001 -- no catalogue (or a broken one): titles only
        return {}


def _causes(verdicts: list[dict], assignment: str, anchors: dict[str, str]) -> str:
    says = _catalogue_says(assignment)
    groups: dict[tuple, dict] = {}
    for v in verdicts:
        for gid, cell in sorted(v["cells"].items()):
            if cell.get("status") == "passed":
                continue
            cause: Cause = cause_of(gid, cell, says)
            g = groups.setdefault(cause.key, {"cause": cause, "cells": 0, "learners": [],
                                              "example": None})
            g["cells"] += 1
            if v["student"] not in g["learners"]:
                g["learners"].append(v["student"])
            if g["example"] is None:
                g["example"] = (v["student"], gid, str(cell.get("reason", "")))
    if not groups:
        return ""
    ordered = sorted(groups.values(), key=lambda g: (-len(g["learners"]), -g["cells"],
                                                     g["cause"].title))
    top = max(len(g["learners"]) for g in ordered)
    items = []
    for g in ordered:
        cause, learners = g["cause"], g["learners"]
        named = ", ".join(f"<a href='#{anchors[s]}'>{name_html(s)}</a>"
                          for s in learners[:MAX_LEARNERS_LISTED])
        if len(learners) > MAX_LEARNERS_LISTED:
            named += f" and {len(learners) - MAX_LEARNERS_LISTED} more"
        who, gid, reason = g["example"]
        kind = "catalogued mistake" if cause.key[0] == "mistake" else "cause"
        items.append(
            f"<li><h3><meter min='0' max='{top}' value='{len(learners)}'></meter> "
            f"{len(learners)} learner{'s' if len(learners) != 1 else ''}, "
            f"{g['cells']} failed test{'s' if g['cells'] != 1 else ''}: "
            f"<span class='kind'>{kind}</span> <code>{esc(cause.title, 200)}</code></h3>"
            + (f"<p class='says'>{esc(cause.says, 400)}</p>" if cause.says else "")
            + f"<p>Learners: {named}.</p><p>Example ({name_html(who)}, "
            f"{esc(gid.removeprefix('test_'))}):</p>"
            f"<pre class='msg'>{esc(reason, MAX_EXAMPLE)}</pre></li>")
    return ("<h2>Failures by cause</h2><p>Failed tests grouped by the mistake the grader "
            "recognised (from the chapter's catalogue of mistakes) or else by which check "
            "failed on which outputs; most learners first.</p><ol class='causes'>"
            + "".join(items) + "</ol>")


# --- other sections -------------------------------------------------------------------

def _grader_errors(verdicts: list[dict]) -> str:
    """Every cell where the course's own grading code raised (for the instructor only:
    the learners' feedback says just that the grader failed)."""
    found = [(v["student"], gid, cell["grader_error"]) for v in verdicts
             for gid, cell in sorted(v["cells"].items())
             if isinstance(cell.get("grader_error"), dict)]
    if not found:
        return ""
    rows = "".join(
        f"<tr class='flag'><td>{name_html(student)}</td><td>{esc(gid)}</td>"
        f"<td>{esc(err.get('where', ''), 300)}</td>"
        f"<td>{esc(err.get('type', ''), 100)}: {esc(err.get('message', ''), 600)}</td>"
        f"<td><pre>{esc(err.get('traceback', ''), 4000)}</pre></td></tr>"
        for student, gid, err in found)
    return (f"<section class='grader-errors'><h2>Grader errors ({len(found)})</h2>"
            "<p>The course's own grading code (the reference, a judge, a case's comparison "
            "or a catalogue of mistakes) raised on these tests. The learners were told that "
            "the grader failed, not that they did; the cells score 0 and are marked for "
            "manual grading in the gradebook. Fix the bug and regrade, or grade them by "
            "hand.</p><table><tr><th>learner</th><th>test</th><th>where</th>"
            f"<th>error</th><th>traceback</th></tr>{rows}</table></section>")


def _similarity_link(out_dir: Path, assignment: str) -> str:
    """A line linking the similarity page (``python -m autograder.similarity``), or
    saying how to make it."""
    try:
        flagged = json.loads((out_dir / "similarity.json").read_text())["flagged"]
        return (f"<p><a href='similarity.html'>Similar submissions</a>: {int(flagged)} "
                "pair(s) flagged when last compared.</p>")
    except (OSError, ValueError, KeyError, TypeError):
        return ("<p>Similar submissions: not compared yet (<code>python -m "
                f"autograder.similarity {esc(assignment)}</code>).</p>")


def _tampering(verdicts: list[dict]) -> str:
    flagged = [v for v in verdicts if v.get("tampering")]
    if not flagged:
        return "<h2>Tampering flagged (0)</h2><p>None.</p>"
    return (f"<h2>Tampering flagged ({len(flagged)})</h2><table><colgroup>"
            "<col class='who'><col class='why'></colgroup><tr><th>learner</th>"
            "<th>finding</th></tr>" + "".join(
                f"<tr class='flag'><td>{name_html(v['student'])}</td>"
                f"<td>{esc(v['tampering'], MAX_REASON)}</td></tr>" for v in flagged)
            + "</table>")


def _rejected(verdicts: list[dict]) -> str:
    odd = [v for v in verdicts if v.get("status") in ("rejected", "grader-error")]
    if not odd:
        return ""
    return ("<h2>Rejected submissions and grader errors</h2><table><colgroup>"
            "<col class='who'><col class='what'><col class='why'></colgroup><tr><th>learner</th>"
            "<th>status</th><th>reason</th></tr>" + "".join(
                f"<tr><td>{name_html(v['student'])}</td><td>{esc(v['status'])}</td>"
                f"<td>{esc(v.get('reason', ''), MAX_REASON)}</td></tr>" for v in odd)
            + "</table>")


# --- the learners' table --------------------------------------------------------------

def feedback_href(root: Path, assignment: str, out_dir: Path, student: str) -> str | None:
    """The learner's feedback page (where ``nbgrader generate_feedback`` writes it) as a
    link relative to the report, or None when it is missing or the name is not a plain
    folder name."""
    if student in ("", ".", "..") or "/" in student or "\\" in student or "\0" in student:
        return None
    page = root / "autograder" / "feedback" / student / assignment / f"{assignment}.html"
    try:
        if page.is_symlink() or not page.is_file():
            return None
    except (OSError, ValueError):   # e.g. a name longer than the file system allows
        return None
    rel = os.path.relpath(page, out_dir).split(os.sep)
    return "/".join(urllib.parse.quote(part) for part in rel)


def _learner_row(v: dict, questions: dict[str, float], anchor: str,
                 href: str | None) -> str:
    cells = v["cells"]
    score, max_score = number(v.get("score", 0)), number(v.get("max_score", 0))
    status = "tampering" if v.get("tampering") else str(v.get("status", ""))
    failed = [gid for gid in sorted(questions)
              if cells.get(gid, {}).get("status") != "passed"]
    link = (f"<br><a href='{esc(href)}'>feedback</a>" if href
            else "<br><span class='bad'>no feedback page</span>")
    items = []
    for gid in sorted(questions):
        c = cells.get(gid, {})
        ok = c.get("status") == "passed"
        items.append(f"<li><code>{esc(gid.removeprefix('test_'))}</code> "
                     f"{number(c.get('score', 0)):g}/{number(c.get('points', questions[gid])):g}"
                     f" <span{'' if ok else ' class=bad'}>{esc(c.get('status', 'missing'))}"
                     f"</span>" + ("" if ok else
                                  f"<pre class='msg'>{esc(c.get('reason', ''), MAX_REASON)}"
                                  "</pre>") + "</li>")
    notes = [str(n) for key in ("notes", "incidents") if isinstance(v.get(key), list)
             for n in v[key]]
    if v.get("tampering"):
        notes.insert(0, "TAMPERING: " + str(v["tampering"]))
    if v.get("status") in ("rejected", "grader-error") and v.get("reason"):
        notes.insert(0, str(v["reason"]))
    notes_html = "".join(f"<li>{esc(n, MAX_REASON)}</li>" for n in notes[:20])
    chips = "".join(f"<span class='chip'>{esc(g.removeprefix('test_'))}</span>"
                    for g in failed)
    details = (f"<details><summary>tests{' and notes' if notes else ''}</summary>"
               f"<ul>{''.join(items)}</ul>"
               + (f"<p>Notes:</p><ul>{notes_html}</ul>" if notes else "") + "</details>")
    return (f"<tr id='{anchor}'{' class=flag' if v.get('tampering') else ''}>"
            f"<td data-value='{esc(v['student'], MAX_NAME)}'>{name_html(v['student'])}{link}</td>"
            f"<td data-value='{score:g}'>{score:g} / {max_score:g}</td>"
            f"<td data-value='{esc(status)}'>{esc(status, 40)}</td>"
            f"<td data-value='{len(failed)}'>{len(failed)} {chips}{details}</td></tr>")


def _learners(root: Path, assignment: str, out_dir: Path, verdicts: list[dict],
              questions: dict[str, float]) -> str:
    rows = "".join(_learner_row(v, questions, f"learner-{k}",
                                feedback_href(root, assignment, out_dir, v["student"]))
                   for k, v in enumerate(verdicts))
    return ("<h2>Learners</h2><p>One row per submission; open a row's details for its "
            "tests' scores and reasons. Click a column's heading to sort.</p>"
            "<table id='learners' class='learners'><colgroup><col class='learner'>"
            "<col class='score'><col class='status'><col class='failed'></colgroup><thead>"
            "<tr><th data-sort='text'>learner</th><th data-sort='number'>score</th>"
            "<th data-sort='text'>status</th><th data-sort='number'>tests failed</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


def write(root: Path, assignment: str, out_dir: Path) -> Path:
    verdicts, unreadable = read_verdicts(out_dir / "verdicts")
    questions: dict[str, float] = {}
    for v in verdicts:
        for gid, cell in v["cells"].items():
            questions.setdefault(gid, number(cell.get("points", 0)))
    anchors: dict[str, str] = {}   # a learner's name -> the id of their (first) row
    for k, v in enumerate(verdicts):
        anchors.setdefault(v["student"], f"learner-{k}")
    parts = ["<!doctype html><html lang='en'><head><meta charset='utf-8'>",
             f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">",
             "<meta name='viewport' content='width=device-width, initial-scale=1'>",
             f"<title>Grading report {esc(assignment)}</title><style>{STYLE}</style>"
             f"</head><body><h1>Grading report: {esc(assignment)}</h1>"]
    parts.append(_grader_errors(verdicts))
    if verdicts:
        total_max = max(number(v.get("max_score", 0)) for v in verdicts)
        scores = [number(v.get("score", 0)) for v in verdicts]
        statuses = collections.Counter(str(v.get("status", "")) for v in verdicts)
        full = sum(1 for s in scores if s == total_max)
        parts.append(f"<p>{len(verdicts)} submissions; mean {sum(scores) / len(scores):.2f}"
                     f" / {total_max:g}; {full} with full marks"
                     + "".join(f"; {n} {esc(s)}" for s, n in sorted(statuses.items())
                               if s != "graded") + ".</p>")
    if unreadable:
        parts.append(f"<p class='bad'>{len(unreadable)} verdict file(s) could not be read "
                     f"(too large or not a verdict): {esc(', '.join(unreadable), 600)}. "
                     "Regrade those learners.</p>")
    if verdicts:
        parts.append(_score_grid(verdicts, questions))
    parts.append(_similarity_link(out_dir, assignment))
    parts.append(_causes(verdicts, assignment, anchors))
    parts.append(_tampering(verdicts))
    parts.append(_rejected(verdicts))
    if verdicts:
        parts.append(_learners(root, assignment, out_dir, verdicts, questions))
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    out = out_dir / "report.html"
    out.write_text("\n".join(p for p in parts if p), encoding="utf-8")
    return out
