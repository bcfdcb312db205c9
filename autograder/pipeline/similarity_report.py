"""The similarity page: the most similar pairs of learners, their shared code side by side.

Learner text is hostile. Every piece of it (code, student ids, skip reasons) goes through
``html.escape`` and lands in element text only, never in an attribute or a tag; the
page's Content-Security-Policy allows no script, no frame and no request of any kind.
Its size is not trusted either: each side of a pair shows at most ``SIDE_CHARS``
characters, a stretch of code that is not shared is cut to ``CONTEXT_LINES`` lines on
each side of the shared code, the table lists at most ``LISTED`` pairs and at most
``SHOWN`` are drawn side by side.

The shared regions are copydetect's: ``similarity.shared_regions`` gives, for each
side, where in the learner's own text the fingerprints the two share begin and end.
"""
from __future__ import annotations

import html

from autograder.pipeline import similarity

SIDE_CHARS = 12_000
CONTEXT_LINES = 3
HEAD_LINES = 40       # lines shown of a side with no shared code at all
SHOWN = 30
LISTED = 200
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"
_STYLE = ("body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:"
          "collapse}td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px;"
          "vertical-align:top}.flag{background:#fde2e1}table.side{width:100%;"
          "table-layout:fixed}table.side td{width:50%}pre{white-space:pre-wrap;"
          "overflow-wrap:anywhere;font-size:12px;margin:0}mark{background:#ffd27f}"
          ".gap,.cut{color:#777;font-style:italic}")


def _trimmed(text: str, start: int, end: int) -> int:
    """The end of a shared region without the blank and comment-only lines that close
    it: copydetect maps a region's end back to the learner's text past the comments
    and whitespace that follow it (a megabyte of comment, even)."""
    while end > start:
        line_start = max(start, text.rfind("\n", start, end) + 1)
        line = text[line_start:end]
        if line.strip() and not line.lstrip().startswith("#"):
            return line_start + len(line.rstrip())
        end = max(start, line_start - 1)
    return end


def spans(slices, text: str) -> list[tuple[int, int]]:
    """copydetect's slices (starts, ends) in ``text`` as sorted, merged, in-bounds
    (start, end), each without the comments and blank lines that close it."""
    if len(slices) != 2:
        return []
    found = sorted((max(0, int(s)), min(len(text), int(e))) for s, e in zip(*slices))
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return [(start, _trimmed(text, start, end)) for start, end in merged]


class _Side:
    """One side's HTML, within a budget of learner characters."""

    def __init__(self, budget: int):
        self.parts: list[str] = []
        self.left = budget

    def text(self, piece: str, shared: bool = False) -> bool:
        """Add learner text (escaped); False once the budget is spent."""
        if self.left <= 0:
            return False
        shown, rest = piece[:self.left], len(piece) - self.left
        self.left -= len(shown)
        self.parts.append(f"<mark>{html.escape(shown)}</mark>" if shared
                          else html.escape(shown))
        if rest > 0:
            self.parts.append(f"<span class='cut'>\n[display cut here: {rest:,} more "
                              "characters of this stretch and anything after it are not "
                              "shown]</span>")
            return False
        return True

    def gap(self, lines: int) -> None:
        self.parts.append(f"<span class='gap'>⋯ {lines:,} lines not shared ⋯</span>\n")


def side_html(text: str, regions: list[tuple[int, int]]) -> str:
    """A learner's answers with the shared regions marked, unshared stretches cut."""
    pieces, at = [], 0
    for start, end in regions:
        if start > at:
            pieces.append((text[at:start], False))
        pieces.append((text[start:end], True))
        at = end
    if at < len(text):
        pieces.append((text[at:], False))
    out = _Side(SIDE_CHARS)
    for k, (piece, shared) in enumerate(pieces):
        if shared:
            if not out.text(piece, True):
                break
            continue
        head = HEAD_LINES if not regions else (CONTEXT_LINES if k > 0 else 0)
        tail = CONTEXT_LINES if k < len(pieces) - 1 else 0
        lines = piece.split("\n")
        if len(lines) <= head + tail + 1:
            if not out.text(piece):
                break
            continue
        if head and not out.text("\n".join(lines[:head]) + "\n"):
            break
        out.gap(len(lines) - head - tail)
        if tail and not out.text("\n".join(lines[-tail:])):
            break
    return "<pre>" + "".join(out.parts) + "</pre>"


def _pair_row(k: int, pair: similarity.Pair, drawn: bool) -> str:
    esc = html.escape
    link = f"<a href='#pair-{k}'>{k}</a>" if drawn else str(k)
    return (f"<tr{' class=flag' if pair.flagged else ''}><td>{link}</td>"
            f"<td>{esc(pair.a)}</td><td>{esc(pair.b)}</td><td>{pair.score:.2f}</td>"
            f"<td>{pair.share_a:.2f}</td><td>{pair.share_b:.2f}</td><td>{pair.shared}</td>"
            f"<td>{'yes' if pair.flagged else ''}</td></tr>")


def _pair_section(k: int, pair: similarity.Pair, texts: dict, prints: dict) -> str:
    esc = html.escape
    _, _, (slices_a, slices_b) = similarity.shared_regions(prints[pair.a], prints[pair.b])
    left = side_html(texts[pair.a], spans(slices_a, texts[pair.a]))
    right = side_html(texts[pair.b], spans(slices_b, texts[pair.b]))
    return (f"<section id='pair-{k}'><h3>{k}. {esc(pair.a)} and {esc(pair.b)}: score "
            f"{pair.score:.2f}{' (flagged)' if pair.flagged else ''}</h3>"
            f"<table class='side'><tr><th>{esc(pair.a)} ({pair.share_a:.0%} shared)</th>"
            f"<th>{esc(pair.b)} ({pair.share_b:.0%} shared)</th></tr>"
            f"<tr><td>{left}</td><td>{right}</td></tr></table></section>")


def render(summary: dict, answers: list[similarity.Answers], pairs: list[similarity.Pair],
           prints: dict) -> str:
    """The whole page, from ``similarity.summary`` and the comparison's results."""
    esc = html.escape
    settings = summary["settings"]
    texts = {a.student: a.text for a in answers}
    drawn = [p for p in pairs if p.shared > 0][:SHOWN]
    parts = [
        f"<!doctype html><meta charset='utf-8'><meta http-equiv='Content-Security-Policy' "
        f"content=\"{_CSP}\"><title>Similar submissions {esc(summary['assignment'])}</title>"
        f"<style>{_STYLE}</style><h1>Similar submissions: {esc(summary['assignment'])}</h1>",
        f"<p>{len(answers)} learners' answer cells compared pairwise ({len(pairs)} pairs) "
        f"with {esc(summary['tool'])}, the released notebook's code excluded. "
        f"<b>{summary['flagged']} pair(s) flagged</b> (score at least "
        f"{settings['threshold']:.2f} and at least {settings['min_shared']} shared "
        "characters).</p>",
        "<p>A pair's score is the larger of the two learners' shares: the part of one "
        "learner's answer code (names, strings, comments and spacing ignored; the "
        "release's code left out) that also appears in the other's. A high score says "
        "that two answers share long stretches of the same code structure; it does not "
        "say who wrote it, or that anyone copied: short, standard code can coincide, and "
        "both may have used the same outside source. Read the code before acting.</p>"]
    if summary["skipped"]:
        parts.append("<h2>Not compared</h2><ul>" + "".join(
            f"<li>{esc(s['student'])}: {esc(s['reason'])}</li>"
            for s in summary["skipped"]) + "</ul>")
    long = [x for x in summary["learners"] if x["chars_not_compared"]]
    if long:
        parts.append("<p>Answers longer than "
                     f"{settings['max_answer_chars']:,} characters were compared up to "
                     "that length only: " + ", ".join(
                         f"{esc(x['student'])} ({x['chars_not_compared']:,} more)"
                         for x in long) + ".</p>")
    parts.append(f"<h2>Most similar pairs</h2><table><tr><th>#</th><th>learner</th>"
                 "<th>learner</th><th>score</th><th>share of first</th>"
                 "<th>share of second</th><th>shared characters</th><th>flagged</th></tr>"
                 + "".join(_pair_row(k, p, p in drawn)
                           for k, p in enumerate(pairs[:LISTED], 1)) + "</table>")
    if len(pairs) > LISTED:
        parts.append(f"<p>{len(pairs) - LISTED:,} less similar pairs are in "
                     "similarity.json.</p>")
    if drawn:
        parts.append("<h2>Shared code, side by side</h2><p>Highlighted: the code the two "
                     "share after normalisation, so names may differ; a highlight runs on "
                     "across a docstring between shared lines. Stretches that are not "
                     f"shared are cut to {CONTEXT_LINES} lines around it.</p>")
        parts += [_pair_section(k, p, texts, prints)
                  for k, p in enumerate(pairs, 1) if p in drawn]
    return "\n".join(parts)
