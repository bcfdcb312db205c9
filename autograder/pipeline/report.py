"""The instructor's HTML report for one assignment, from the verdict files.

One self-contained page (its charts are inline SVG drawn here, so writing the report
needs no plotting library): totals, the score distribution
of every graded question, the most common failure reasons, submissions flagged for
tampering, rejected submissions, grader errors, and one row per student with a link to
their feedback.
"""
from __future__ import annotations

import collections
import html
import json
import re
from pathlib import Path


def reason_category(reason: str) -> str:
    """A failure reason without its numbers and case details, to count alike ones."""
    first = reason.strip().splitlines()[0] if reason.strip() else "(no reason)"
    first = re.sub(r"\(case seed=.*", "", first)
    first = re.sub(r"[-+]?\d[\d.,e+-]*", "#", first)
    first = re.sub(r"'[^']*'", "'…'", first)
    return first.strip()[:110]


def _bars(values: list[tuple[str, int, str]], width: int, height: int, title: str,
          xlabel: str) -> str:
    """One vertical bar chart as SVG: (label, count, colour) per bar, counts labelled."""
    esc = html.escape
    top = max((n for _, n, _ in values), default=0) or 1
    plot_h = height - 58
    slot = (width - 20) / max(1, len(values))
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
             f"role='img' aria-label='{esc(title)}: "
             + ", ".join(f"{n} at {esc(label)}" for label, n, _ in values) + "'>",
             f"<text x='{width / 2:.0f}' y='12' font-size='11' text-anchor='middle'>"
             f"{esc(title)}</text>"]
    for k, (label, n, colour) in enumerate(values):
        h = plot_h * n / top
        x = 10 + k * slot + slot * 0.15
        y = 30 + plot_h - h
        parts.append(f"<rect x='{x:.1f}' y='{y:.1f}' width='{slot * 0.7:.1f}' "
                     f"height='{h:.1f}' fill='{colour}'><title>{n}</title></rect>")
        parts.append(f"<text x='{x + slot * 0.35:.1f}' y='{y - 2:.1f}' font-size='9' "
                     f"text-anchor='middle'>{n}</text>")
        parts.append(f"<text x='{x + slot * 0.35:.1f}' y='{height - 16}' font-size='9' "
                     f"text-anchor='middle'>{esc(label)}</text>")
    parts.append(f"<text x='{width / 2:.0f}' y='{height - 3}' font-size='9' "
                 f"text-anchor='middle'>{esc(xlabel)}</text></svg>")
    return "".join(parts)


def _score_plot(verdicts: list[dict], questions: list[tuple[str, float]]) -> str:
    """Per graded question, how many submissions got each score (red: below full)."""
    charts = []
    for gid, points in questions:
        scores = [v.get("cells", {}).get(gid, {}).get("score", 0.0) for v in verdicts]
        values = sorted({0.0, float(points), *scores})
        charts.append(_bars([(f"{x:g}", sum(1 for s in scores if s == x),
                              "#c0392b" if x < points else "#27ae60") for x in values],
                            160, 160, gid.replace("test_", ""), "points"))
    return ("<figure class='scores'><figcaption>Score distribution per question "
            "(submissions per score)</figcaption>" + "".join(charts) + "</figure>")


def _reasons_plot(common: list[tuple[str, int]]) -> str:
    """Horizontal bars: the most common failure reasons and how many tests failed so."""
    esc = html.escape
    top = max(n for _, n in common) or 1
    row, label_w, bar_w = 18, 520, 300
    height = row * len(common) + 24
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{label_w + bar_w + 40}' "
             f"height='{height}' role='img' aria-label='most common failure reasons'>"]
    for k, (reason, n) in enumerate(common):
        y = 4 + k * row
        label = reason if len(reason) < 80 else reason[:77] + "…"
        w = bar_w * n / top
        parts.append(f"<text x='{label_w - 6}' y='{y + 12}' font-size='10' "
                     f"text-anchor='end'>{esc(label)}</text>")
        parts.append(f"<rect x='{label_w}' y='{y + 2}' width='{w:.1f}' height='{row - 5}' "
                     f"fill='#2c3e50'><title>{n}</title></rect>")
        parts.append(f"<text x='{label_w + w + 4:.1f}' y='{y + 12}' font-size='10'>{n}"
                     "</text>")
    parts.append(f"<text x='{label_w + bar_w / 2:.0f}' y='{height - 4}' font-size='10' "
                 "text-anchor='middle'>failed tests</text></svg>")
    return "<figure class='reasons'>" + "".join(parts) + "</figure>"


def _grader_errors(verdicts: list[dict]) -> list[str]:
    """The section listing every cell where the course's own grading code raised (for
    the instructor only: the learners' feedback says just that the grader failed)."""
    found = [(v["student"], gid, cell["grader_error"]) for v in verdicts
             for gid, cell in sorted(v.get("cells", {}).items()) if cell.get("grader_error")]
    if not found:
        return []
    esc = html.escape
    rows = "".join(
        f"<tr class='flag'><td>{esc(student)}</td><td>{esc(gid)}</td>"
        f"<td>{esc(str(err.get('where', '')))}</td>"
        f"<td>{esc(str(err.get('type', '')))}: {esc(str(err.get('message', '')))}</td>"
        f"<td><pre>{esc(str(err.get('traceback', '')))}</pre></td></tr>"
        for student, gid, err in found)
    return [f"<section class='grader-errors'><h2>Grader errors ({len(found)})</h2>"
            "<p>The course's own grading code (the reference, a judge, a case's comparison "
            "or a catalogue of mistakes) raised on these tests. The learners were told that "
            "the grader failed, not that they did; the cells score 0 and are marked for "
            "manual grading in the gradebook. Fix the bug and regrade, or grade them by "
            "hand.</p><table><tr><th>student</th><th>test</th><th>where</th>"
            f"<th>error</th><th>traceback</th></tr>{rows}</table></section>"]


def _similarity_link(out_dir: Path, assignment: str) -> str:
    """A line linking the similarity page (``python -m autograder.similarity``), or
    saying how to make it."""
    try:
        flagged = json.loads((out_dir / "similarity.json").read_text())["flagged"]
        return (f"<p><a href='similarity.html'>Similar submissions</a>: {int(flagged)} "
                "pair(s) flagged when last compared.</p>")
    except (OSError, ValueError, KeyError, TypeError):
        return ("<p>Similar submissions: not compared yet (<code>python -m "
                f"autograder.similarity {html.escape(assignment)}</code>).</p>")


def write(root: Path, assignment: str, out_dir: Path) -> Path:
    verdicts = []
    for path in sorted((out_dir / "verdicts").glob("*.json")):
        try:
            verdicts.append(json.loads(path.read_text()))
        except ValueError:
            continue
    questions: dict[str, float] = {}
    for v in verdicts:
        for gid, cell in v.get("cells", {}).items():
            questions.setdefault(gid, float(cell.get("points", 0)))
    reasons = collections.Counter()
    for v in verdicts:
        for cell in v.get("cells", {}).values():
            if cell.get("status") != "passed":
                reasons[f"{cell['grade_id'].replace('test_', '')}: "
                        f"{reason_category(cell.get('reason', ''))}"] += 1
    common = reasons.most_common(12)
    esc = html.escape
    parts = [f"<!doctype html><meta charset='utf-8'><title>Grading report {esc(assignment)}"
             "</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;"
             "font-size:13px;vertical-align:top}figure{margin:0 0 1em}.bad{color:#c0392b}.flag{background:#fde2e1}"
             ".grader-errors{border:3px solid #c0392b;padding:0 1em 1em}pre{white-space:pre-wrap;"
             "font-size:12px;margin:0}"
             "</style>", f"<h1>Grading report: {esc(assignment)}</h1>"]
    parts += _grader_errors(verdicts)
    total_max = max((v.get("max_score", 0) for v in verdicts), default=0)
    scores = [v.get("score", 0) for v in verdicts]
    if verdicts:
        mean = sum(scores) / len(scores)
        full = sum(1 for s in scores if s == total_max)
        parts.append(f"<p>{len(verdicts)} submissions; mean {mean:.2f} / {total_max:g}; "
                     f"{full} with full marks.</p>")
        parts.append(_score_plot(verdicts, sorted(questions.items())))
    parts.append(_similarity_link(out_dir, assignment))
    if common:
        parts.append("<h2>Most common failure reasons</h2>" + _reasons_plot(common))
        parts.append("<table><tr><th>tests</th><th>reason</th></tr>" + "".join(
            f"<tr><td>{n}</td><td>{esc(c)}</td></tr>" for c, n in common) + "</table>")
    flagged = [v for v in verdicts if v.get("tampering")]
    parts.append(f"<h2>Tampering flagged ({len(flagged)})</h2>")
    parts.append("<table><tr><th>student</th><th>finding</th></tr>" + "".join(
        f"<tr class='flag'><td>{esc(v['student'])}</td><td>{esc(v['tampering'])}</td></tr>"
        for v in flagged) + "</table>" if flagged else "<p>None.</p>")
    odd = [v for v in verdicts if v.get("status") in ("rejected", "grader-error")]
    if odd:
        parts.append("<h2>Rejected submissions and grader errors</h2><table><tr><th>"
                     "student</th><th>status</th><th>reason</th></tr>" + "".join(
                         f"<tr><td>{esc(v['student'])}</td><td>{esc(v['status'])}</td>"
                         f"<td>{esc(str(v.get('reason', ''))[:500])}</td></tr>" for v in odd)
                     + "</table>")
    parts.append("<h2>Students</h2><table><tr><th>student</th><th>score</th>"
                 + "".join(f"<th>{esc(q.replace('test_', ''))}</th>" for q in sorted(questions))
                 + "<th>notes</th><th>feedback</th></tr>")
    for v in verdicts:
        cells = v.get("cells", {})
        row = [f"<td>{esc(v['student'])}</td><td>{v.get('score', 0):g} / "
               f"{v.get('max_score', 0):g}</td>"]
        for q in sorted(questions):
            c = cells.get(q, {})
            cls = "" if c.get("status") == "passed" else " class='bad'"
            row.append(f"<td{cls} title='{esc(str(c.get('reason', '')))}'>"
                       f"{c.get('score', 0):g}</td>")
        notes = list(v.get("notes", [])) + list(v.get("incidents", []))
        if v.get("tampering"):
            notes.insert(0, "TAMPERING: " + v["tampering"])
        row.append(f"<td>{esc(' | '.join(notes))[:600]}</td>")
        fb = root / "autograder" / "feedback" / v["student"] / assignment / f"{assignment}.html"
        row.append(f"<td><a href='{esc(fb.as_uri())}'>feedback</a></td>" if fb.exists()
                   else "<td></td>")
        parts.append(f"<tr{' class=flag' if v.get('tampering') else ''}>{''.join(row)}</tr>")
    parts.append("</table>")
    out = out_dir / "report.html"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
