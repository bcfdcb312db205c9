"""Similar submissions: learners' answer regions compared pairwise with ``copydetect``.

After a round, read-only: ``python -m autograder.similarity ASSIGNMENT`` (the command is
``autograder/similarity.py``; the page is ``similarity_report.py``). Nothing of a
learner's is run.

- **Answer regions.** Of each notebook in nbgrader's submitted folder, the code cells
  whose nbgrader metadata says ``solution: true`` (or whose grade id is an answer cell
  of the release), joined in notebook order, each under a comment naming its cell. A
  notebook that is not JSON, too large, or has no answer cell is skipped with a reason.
- **Boilerplate.** The release's own code (``exercises/<a>/<a>.ipynb``), every code
  cell: the stubs' signatures, docstrings and ``raise NotImplementedError()``, the
  provided and test cells, which every learner received.
- **Comparison.** copydetect's ``CodeFingerprint`` and ``compare_files`` (winnowing,
  as MOSS): pygments tokenises the code, names become ``V``/``F``, strings ``S``,
  comments and whitespace go, so renamed variables and changed comments still match;
  every ``NOISE``-character run of that normalised code is a fingerprint. ``GUARANTEE``
  equals ``NOISE``, so winnowing keeps every fingerprint: copydetect hashes with Python's
  ``hash``, salted per process, and a window larger than one would make the scores vary
  from run to run. Fingerprints of the boilerplate, and those that run from one cell
  into the next, are dropped from every learner's (``_without`` says why).
- **Score.** For a pair, copydetect gives each learner's share: the part of their
  normalised answers (boilerplate excluded) that also appears in the other's. The
  pair's score is the larger share; a pair is *flagged* when the score reaches the
  threshold and the shared code is at least ``MIN_SHARED`` normalised characters (a
  few lines: two short answers can coincide).
"""
from __future__ import annotations

import bisect
import dataclasses
import io
import itertools
import json
from pathlib import Path

NOISE = 25            # copydetect's noise threshold (its default): k-gram length
GUARANTEE = NOISE     # guarantee threshold = noise: window 1, every k-gram, deterministic
THRESHOLD = 0.5       # default: flag a pair whose score reaches this
MIN_SHARED = 100      # normalised characters a flagged pair must share at least
MAX_NOTEBOOK_BYTES = 64 << 20      # larger submitted notebooks are skipped
MAX_ANSWER_CHARS = 200_000         # a learner's answers are compared up to this length
MAX_PAIRS_SAVED = 10_000           # pairs written to similarity.json (most similar first)


@dataclasses.dataclass(frozen=True)
class Answers:
    student: str
    cells: tuple[str, ...]  # answer cells, each under "# ---- <cell> ----", in order
    truncated: int = 0      # characters past MAX_ANSWER_CHARS, not compared

    @property
    def text(self) -> str:
        return "".join(self.cells)


@dataclasses.dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float           # max(share_a, share_b)
    share_a: float
    share_b: float
    shared: int            # normalised characters of a's answers found in b's
    flagged: bool


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    if isinstance(src, list):
        return "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _nbgrader(cell: dict) -> dict:
    meta = cell.get("metadata") if isinstance(cell, dict) else None
    meta = meta.get("nbgrader") if isinstance(meta, dict) else None
    return meta if isinstance(meta, dict) else {}


def _code_cells(nb: dict) -> list[dict]:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return [c for c in cells or [] if isinstance(c, dict) and c.get("cell_type") == "code"]


def answer_cells(nb: dict, answer_ids: list[str]) -> list[str]:
    """The notebook's answer cells in order, each under a comment naming it (by its
    grade id only when that is one of the release's answer cells)."""
    parts = []
    for cell in _code_cells(nb):
        meta = _nbgrader(cell)
        gid = meta.get("grade_id")
        if meta.get("solution") is True or gid in answer_ids:
            name = gid if gid in answer_ids else "another answer cell"
            parts.append(f"# ---- {name} ----\n{_source(cell).rstrip()}\n\n")
    return parts


def _capped(cells: list[str]) -> tuple[tuple[str, ...], int]:
    """The cells within MAX_ANSWER_CHARS in all, and how many characters were left out."""
    kept, left = [], MAX_ANSWER_CHARS
    for cell in cells:
        if left > 0:
            kept.append(cell[:left])
        left -= len(cell)
    return tuple(kept), max(0, -left)


@dataclasses.dataclass(frozen=True)
class Release:
    answer_ids: list[str]
    boilerplate: list[str]   # texts whose fingerprints no learner is credited with


def read_release(path: Path) -> Release:
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = [_nbgrader(c)["grade_id"] for c in _code_cells(nb)
           if _nbgrader(c).get("solution") and _nbgrader(c).get("grade_id")]
    return Release(ids, [_source(c) for c in _code_cells(nb)])


def read_answers(submitted: Path, assignment: str, release: Release
                 ) -> tuple[list[Answers], list[tuple[str, str]]]:
    """Every learner's answers in ``submitted/<student>/<assignment>/``, and the
    learners skipped, with the reason."""
    found, skipped = [], []
    folders = sorted(p for p in submitted.glob(f"*/{assignment}") if p.is_dir()) \
        if submitted.is_dir() else []
    for folder in folders:
        student = folder.parent.name
        path = folder / f"{assignment}.ipynb"
        if not path.is_file():
            others = sorted(folder.glob("*.ipynb"))
            path = others[0] if len(others) == 1 else path
        if not path.is_file():
            skipped.append((student, f"no {assignment}.ipynb"))
            continue
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            skipped.append((student, f"the notebook is over {MAX_NOTEBOOK_BYTES >> 20} MB"))
            continue
        try:
            nb = json.loads(path.read_bytes().decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            skipped.append((student, "the notebook is not valid JSON"))
            continue
        cells = answer_cells(nb, release.answer_ids)
        if not cells:
            skipped.append((student, "no answer cell (nbgrader metadata solution: true)"))
            continue
        found.append(Answers(student, *_capped(cells)))
    return found, skipped


def _fingerprint(text: str):
    from copydetect import CodeFingerprint
    return CodeFingerprint("answers.py", NOISE, GUARANTEE - NOISE + 1,
                           fp=io.StringIO(text), language="python")


def _without(fp, boilerplate: set, cuts: list[int]):
    """``fp`` without the boilerplate's fingerprints (every occurrence of them) and
    without the fingerprints that straddle two cells (filtered positions ``cuts``).
    copydetect 0.5.0's own ``boilerplate=`` calls ``np.intersect1d`` with
    ``assume_unique=True`` on hashes that repeat: a fingerprint found twice in a
    learner's code is then dropped as boilerplate, one found twice in the boilerplate
    kept. And a run across two cells is mostly the end of one answer and the next
    stub's signature and docstring: every learner has one, so it would make honest
    learners alike."""
    from copydetect.utils import get_token_coverage

    def inside(i) -> bool:
        j = bisect.bisect_right(cuts, i)  # the first cut after position i
        return j == len(cuts) or cuts[j] >= i + fp.k

    kept = {}
    for h, where in fp.hash_idx.items():
        if h not in boilerplate:
            where = [i for i in where if inside(i)]
            if where:
                kept[h] = where
    fp.hash_idx, fp.hashes = kept, set(kept)
    fp.token_coverage = get_token_coverage(kept, fp.k, len(fp.filtered_code))
    return fp


def _cuts(cells: tuple[str, ...], filtered: str) -> list[int]:
    """Where each cell after the first starts in the filtered code (none if a cell
    does not tokenise alone as it does in the whole, e.g. an unclosed string)."""
    from copydetect.utils import filter_code
    lengths = [len(filter_code(c, "answers.py", "python")[0]) for c in cells]
    return list(itertools.accumulate(lengths))[:-1] if sum(lengths) == len(filtered) else []


def fingerprints(answers: list[Answers], release: Release) -> dict:
    """student -> copydetect's CodeFingerprint, the release's fingerprints removed."""
    boilerplate = {h for text in release.boilerplate for h in _fingerprint(text).hashes}
    out = {}
    for a in answers:
        fp = _fingerprint(a.text)
        out[a.student] = _without(fp, boilerplate, _cuts(a.cells, fp.filtered_code))
    return out


def shared_regions(fp_a, fp_b):
    """copydetect's comparison: (shared normalised characters, (share of a, share of b),
    (slices in a's text, slices in b's text)), a slice array being starts and ends."""
    from copydetect import compare_files
    return compare_files(fp_a, fp_b)


def compare(answers: list[Answers], prints: dict, threshold: float = THRESHOLD
            ) -> list[Pair]:
    """Every pair of learners, most similar first."""
    pairs = []
    for x, y in itertools.combinations(sorted(a.student for a in answers), 2):
        shared, (sx, sy), _ = shared_regions(prints[x], prints[y])
        sx, sy = float(sx), float(sy)
        score = max(sx, sy)
        pairs.append(Pair(x, y, round(score, 4), round(sx, 4), round(sy, 4), int(shared),
                          bool(score >= threshold and shared >= MIN_SHARED)))
    pairs.sort(key=lambda p: (-p.score, -p.shared, p.a, p.b))
    return pairs


def summary(assignment: str, answers: list[Answers], skipped: list[tuple[str, str]],
            pairs: list[Pair], threshold: float) -> dict:
    """What similarity.json holds."""
    import copydetect
    return {
        "assignment": assignment,
        "tool": f"copydetect {copydetect.__version__}",
        "settings": {"noise_threshold": NOISE, "guarantee_threshold": GUARANTEE,
                     "threshold": threshold, "min_shared": MIN_SHARED,
                     "max_answer_chars": MAX_ANSWER_CHARS},
        "learners": [{"student": a.student, "answer_cells": len(a.cells),
                      "chars_not_compared": a.truncated} for a in answers],
        "skipped": [{"student": s, "reason": r} for s, r in skipped],
        "flagged": sum(p.flagged for p in pairs),
        "pairs_total": len(pairs),
        "pairs": [dataclasses.asdict(p) for p in pairs[:MAX_PAIRS_SAVED]],
    }
