"""Mutants as patches against the reference: make them, read them, apply them strictly.

A mutant file ``tests/mutants/<chapter>/<function>__<name>.patch`` is

    # Wrong: what is wrong (one or more lines)
    # Names: words; more words            (optional, read by tests/test_mistakes.py)
    --- reference ch04 adding_loss
    +++ mutant ch04 adding_loss__broadcast_error
    @@ -12,3 +12,3 @@
     ...a unified diff from the reference answer cell (markers removed) to the mutant

The header comments are metadata: they are not part of the diff, and ``apply`` puts
them back on top of the patched code, so the answer cell says what is wrong in it.

``apply`` is strict, in pure Python: every context line and every removed line must
equal the current reference's line exactly. A hunk may be found at another line than
its ``@@`` header says (the reference grew or shrank above it, as ``patch`` allows),
but there is no fuzz: if its lines are nowhere, ``PatchDoesNotApply`` says which file,
which hunk, and what it expected against what the reference holds now.
"""
from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class Hunk:
    header: str            # the "@@ -a,b +c,d @@" line, for messages
    start: int             # 0-based line of the reference where the hunk says it starts
    lines: tuple[str, ...]  # the hunk's body, each line with its " ", "-" or "+" prefix

    @property
    def before(self) -> list[str]:
        """The reference lines the hunk expects (context and removed lines)."""
        return [ln[1:] for ln in self.lines if ln[0] in " -"]

    @property
    def after(self) -> list[str]:
        """What those lines become (context and added lines)."""
        return [ln[1:] for ln in self.lines if ln[0] in " +"]


class PatchDoesNotApply(Exception):
    """A mutant's patch no longer fits the reference: the author must redo it."""


class MalformedPatch(Exception):
    """A mutant file that is not header comments followed by a unified diff."""


def split(text: str, where: str = "<patch>") -> tuple[list[str], list[Hunk]]:
    """(header comment lines, hunks) of a mutant patch's text."""
    lines = text.splitlines()
    k = 0
    while k < len(lines) and lines[k].startswith("#"):
        k += 1
    header = lines[:k]
    if lines[k:k + 1] and lines[k].startswith("--- "):
        k += 1
        if not (lines[k:k + 1] and lines[k].startswith("+++ ")):
            raise MalformedPatch(f"{where}: line {k + 1} should be the '+++ ' line of the "
                                 "diff, after its '--- ' line")
        k += 1
    hunks: list[Hunk] = []
    while k < len(lines):
        match = _HUNK.match(lines[k])
        if not match:
            raise MalformedPatch(
                f"{where}: line {k + 1} should start a hunk ('@@ -a,b +c,d @@') but is "
                f"{lines[k]!r}; a mutant file is '#' header lines, then a unified diff")
        old_len = int(match.group(2) if match.group(2) is not None else 1)
        new_len = int(match.group(4) if match.group(4) is not None else 1)
        start = int(match.group(1)) - (1 if old_len else 0)
        body, k, old, new = [], k + 1, 0, 0
        while k < len(lines) and (old < old_len or new < new_len):
            line = lines[k] if lines[k] else " "  # an editor may strip a blank context line
            if line[0] not in " -+":
                raise MalformedPatch(
                    f"{where}: line {k + 1} in hunk {match.group(0)} starts with "
                    f"{line[0]!r}; hunk lines start with ' ', '-' or '+'")
            old += line[0] in " -"
            new += line[0] in " +"
            body.append(line)
            k += 1
        if (old, new) != (old_len, new_len):
            raise MalformedPatch(
                f"{where}: hunk {match.group(0)} promises {old_len} reference and {new_len} "
                f"mutant lines but holds {old} and {new}; fix its @@ line or its body")
        hunks.append(Hunk(match.group(0), start, tuple(body)))
    if not hunks:
        raise MalformedPatch(f"{where}: no hunk; a mutant must change the reference")
    return header, hunks


def _find(reference: list[str], expected: list[str], start: int, lowest: int) -> int | None:
    """Where ``expected`` sits in ``reference`` at or after ``lowest``, nearest ``start``
    first (start, start+1, start-1, start+2, ...), as ``patch`` searches; None if nowhere."""
    last = len(reference) - len(expected)
    start = min(max(start, lowest), max(last, lowest))
    for offset in range(0, max(start - lowest, last - start) + 1):
        for at in (start + offset, start - offset) if offset else (start,):
            if lowest <= at <= last and reference[at:at + len(expected)] == expected:
                return at
    return None


def _mismatch(where: str, hunk: Hunk, reference: list[str], near: int) -> str:
    expected = hunk.before
    lo = max(0, min(near, len(reference)))
    found = reference[lo:lo + len(expected)]
    diff = "\n".join(difflib.unified_diff(expected, found, "the patch expects",
                                          "the reference has now", lineterm="", n=1))
    return (f"{where}: hunk {hunk.header} no longer applies to the reference: its "
            f"context and removed lines are nowhere in the current reference answer cell "
            f"(no fuzz is allowed).\nExpected, at line {hunk.start + 1} or anywhere after "
            f"the previous hunk:\n" + "\n".join(f"    {ln}" for ln in expected)
            + (f"\nWhat the reference holds at line {lo + 1}, against the expected lines:\n"
               + (diff or "\n".join(f"    {ln}" for ln in found)) if found else
               f"\nThe reference ends before that: it has {len(reference)} lines.")
            + "\nThe hunk (the mutant's change, to put back by hand):\n"
            + "\n".join(f"    {ln}" for ln in hunk.lines)
            + "\nThe reference changed under this mutant. If the edit is elsewhere than "
            "the mutant's change (a docstring, a comment), `python tests/mutants/"
            "make_patch.py rebase` carries every such mutant over from the last commit. "
            f"Otherwise redo the mutant on the current reference ({_redo(where)}), or edit "
            "the hunk's lines to match the reference.")


def _redo(where: str) -> str:
    path = Path(where)
    chapter, (function, _, name) = path.parent.name, path.stem.partition("__")
    if not (re.fullmatch(r"ch\d\d", chapter) and name):
        chapter, function, name = "CHAPTER", "FUNCTION", "NAME"
    tool = "tests/mutants/make_patch.py"
    return (f"`python {tool} start {chapter} {function} > wrong.py`, put the change back "
            f"in and this file's '#' lines over the template's, then "
            f"`python {tool} write {chapter} {function} {name} wrong.py --force`")


def apply(reference: str, text: str, where: str = "<patch>") -> str:
    """The mutant's source: its header comments, then ``reference`` with the patch's
    hunks applied. Raises ``PatchDoesNotApply`` (or ``MalformedPatch``) loudly."""
    header, hunks = split(text, where)
    ref = reference.splitlines()
    out: list[str] = []
    done = 0  # reference lines consumed so far; hunks apply in order and never overlap
    shift = 0  # how far the previous hunk was found from where it said, as patch carries it
    for hunk in hunks:
        at = _find(ref, hunk.before, hunk.start + shift, done)
        if at is None:
            near = max(hunk.start + shift, done)
            raise PatchDoesNotApply(_mismatch(where, hunk, ref, near))
        shift = at - hunk.start
        out += ref[done:at] + hunk.after
        done = at + len(hunk.before)
    out += ref[done:]
    return "\n".join(header + out) + "\n"


def make(reference: str, mutant: str, header: list[str], old_label: str,
         new_label: str) -> str:
    """A mutant patch: ``header`` comment lines, then the unified diff (3 lines of
    context) from ``reference`` to ``mutant`` (both without the header)."""
    bad = [ln for ln in header if not ln.startswith("#")]
    if bad:
        raise ValueError(f"header lines must be '#' comments, not {bad}")
    diff = list(difflib.unified_diff(reference.splitlines(), mutant.splitlines(),
                                     old_label, new_label, lineterm="", n=3))
    if not diff:
        raise ValueError(f"{new_label} is the reference itself: a mutant must change it")
    return "\n".join(header + diff) + "\n"


def header_of(path: Path) -> list[str]:
    """The '#' comment lines a mutant file starts with (what is wrong, and its words)."""
    return split(path.read_text(encoding="utf-8"), str(path))[0]


class RebaseConflict(Exception):
    """The reference changed on the very lines a mutant changes: redo it by hand."""


def _changes(before: list[str], after: list[str]) -> list[tuple[int, int, list[str]]]:
    """(start, end, new lines) of every region of ``before`` that ``after`` changes."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    return [(i1, i2, after[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes()
            if tag != "equal"]


def _code_lines(source: str) -> list[str]:
    """Each line of ``source`` as the interpreter sees it: without its comment, and a
    docstring's lines all alike (their text does not change what the code does)."""
    lines = source.splitlines()
    keys = [ln.rstrip() for ln in lines]
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source + "\n").readline):
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                keys[row - 1] = lines[row - 1][:col].rstrip()
        tree = ast.parse(source)
    except (tokenize.TokenError, SyntaxError):
        return keys
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                for row in range(first.lineno, first.end_lineno + 1):
                    keys[row - 1] = '"""docstring"""'
    return keys


def rebase(old_reference: str, new_reference: str, text: str, where: str = "<patch>") -> str:
    """The patch ``text`` (made against ``old_reference``) made again against
    ``new_reference``: a three-way merge of the reference's edit and the mutant's change.
    An edit of comments or docstring text only gives way to the mutant's change where
    the two meet; any other edit that meets it (same or adjacent lines) raises
    ``RebaseConflict``."""
    header, _ = split(text, where)
    base, new = old_reference.splitlines(), new_reference.splitlines()
    mutant = apply(old_reference, text, where).splitlines()[len(header):]
    base_code, new_code = _code_lines(old_reference), _code_lines(new_reference)
    theirs = _changes(base, mutant)
    ours, edits = [], []
    for tag, a1, a2, b1, b2 in difflib.SequenceMatcher(None, base, new,
                                                       autojunk=False).get_opcodes():
        if tag == "replace" and a2 - a1 == b2 - b1:  # line for line: judge each one
            edits += [(a1 + k, a1 + k + 1, b1 + k, b1 + k + 1) for k in range(a2 - a1)]
        elif tag != "equal":
            edits.append((a1, a2, b1, b2))
    for a1, a2, b1, b2 in edits:
        cosmetic = base_code[a1:a2] == new_code[b1:b2]
        meets = [(t1, t2) for t1, t2, _ in theirs if max(a1, t1) <= min(a2, t2)]
        if meets and cosmetic:
            overlapping = [max(a1, t1) < min(a2, t2) for t1, t2 in meets]
            if all(overlapping):
                continue  # the mutant rewrites these lines: its version stands
            if not any(overlapping):
                meets = []  # only adjacent, and harmless: apply both
        if meets:
            lo, hi = min([a1] + [t for t, _ in meets]), max([a2] + [t for _, t in meets])
            shown = "\n".join(f"    {ln}" for ln in base[lo:hi])
            raise RebaseConflict(
                f"{where}: the reference's edit and the mutant's change meet at "
                f"reference lines {lo + 1}-{hi}:\n{shown}\nRedo this mutant by hand on the "
                "current reference (make_patch.py start, then write --force).")
        ours.append((a1, a2, new[b1:b2]))
    merged, done = [], 0
    for start, end, lines in sorted(ours + theirs, key=lambda c: (c[0], c[1])):
        merged += base[done:start] + lines
        done = end
    merged += base[done:]
    first, labels = text.splitlines()[len(header):][:2], ("reference", "mutant")
    if len(first) == 2 and first[0].startswith("--- ") and first[1].startswith("+++ "):
        labels = (first[0][4:], first[1][4:])
    return make(new_reference, "\n".join(merged), header, *labels)


def code_of(source: str) -> str:
    """What a source does, for comparing: its syntax tree without comments, layout or
    docstrings (a mutant that changes only those is not wrong)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = node.body[0] if node.body else None
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                node.body = node.body[1:] or [ast.Pass()]
    return ast.dump(tree)
