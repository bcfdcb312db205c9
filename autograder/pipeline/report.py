"""The instructor's HTML report for one assignment, from the verdict files.

One self-contained page (plots embedded as base64 PNG): totals, the score distribution
of every graded question, the most common failure reasons, submissions flagged for
tampering, rejected submissions, grader errors, and one row per student with a link to
their feedback.
"""
from __future__ import annotations

import base64
import collections
import html
import io
import json
import re
from pathlib import Path


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def reason_category(reason: str) -> str:
    """A failure reason without its numbers and case details, to count alike ones."""
    first = reason.strip().splitlines()[0] if reason.strip() else "(no reason)"
    first = re.sub(r"\(case seed=.*", "", first)
    first = re.sub(r"[-+]?\d[\d.,e+-]*", "#", first)
    first = re.sub(r"'[^']*'", "'…'", first)
    return first.strip()[:110]


def _score_plot(verdicts: list[dict], questions: list[tuple[str, float]]) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    n = max(1, len(questions))
    fig, axes = plt.subplots(1, n, figsize=(2.2 * n, 2.4), squeeze=False, sharey=True)
    for ax, (gid, points) in zip(axes[0], questions):
        scores = [v["cells"].get(gid, {}).get("score", 0.0) for v in verdicts]
        values = sorted({0.0, float(points), *scores})
        counts = [sum(1 for s in scores if s == x) for x in values]
        ax.bar([f"{x:g}" for x in values], counts, color=["#c0392b" if x < points else
                                                           "#27ae60" for x in values])
        ax.set_title(gid.replace("test_", ""), fontsize=8)
        ax.set_xlabel("points", fontsize=7)
        ax.tick_params(labelsize=7)
    axes[0][0].set_ylabel("submissions", fontsize=8)
    fig.suptitle("Score distribution per question", fontsize=10)
    return _png(fig)


def _reasons_plot(common: list[tuple[str, int]]) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 0.35 * max(3, len(common)) + 0.8))
    labels = [c if len(c) < 70 else c[:67] + "…" for c, _ in common][::-1]
    ax.barh(labels, [n for _, n in common][::-1], color="#2c3e50")
    ax.set_xlabel("failed tests")
    ax.set_title("Most common failure reasons")
    ax.tick_params(axis="y", labelsize=7)
    return _png(fig)


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
             "font-size:13px;vertical-align:top}.bad{color:#c0392b}.flag{background:#fde2e1}"
             "</style>", f"<h1>Grading report: {esc(assignment)}</h1>"]
    total_max = max((v.get("max_score", 0) for v in verdicts), default=0)
    scores = [v.get("score", 0) for v in verdicts]
    if verdicts:
        mean = sum(scores) / len(scores)
        full = sum(1 for s in scores if s == total_max)
        parts.append(f"<p>{len(verdicts)} submissions; mean {mean:.2f} / {total_max:g}; "
                     f"{full} with full marks.</p>")
        parts.append(f"<img alt='score distribution' src='data:image/png;base64,"
                     f"{_score_plot(verdicts, sorted(questions.items()))}'>")
    if common:
        parts.append(f"<h2>Most common failure reasons</h2><img alt='failure reasons' "
                     f"src='data:image/png;base64,{_reasons_plot(common)}'>")
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
