"""The shipped corpora: the Shakespeare corpus is the file its README describes (same
sha256), free of Project Gutenberg boilerplate, split as documented; the extraction
script's steps do what its docstring says on texts that have boilerplate."""
from __future__ import annotations

import hashlib
import importlib.util
import re

import pytest

from course import REPO
from rnnkit import data

CORPORA = REPO / "kit" / "rnnkit" / "corpora"
SCRIPT = REPO / "scripts" / "corpora" / "extract_shakespeare.py"


def _script():
    spec = importlib.util.spec_from_file_location("extract_shakespeare", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shakespeare_is_the_file_the_readme_describes():
    readme = (CORPORA / "README.md").read_text()
    section = readme[readme.index("## shakespeare.txt"):]
    stated = re.search(r"sha256 of `shakespeare.txt`:\*\*\s*`([0-9a-f]{64})`", section)
    assert stated, "the README must state shakespeare.txt's sha256"
    shipped = hashlib.sha256((CORPORA / "shakespeare.txt").read_bytes()).hexdigest()
    assert shipped == stated.group(1)
    assert _script().SDIST_SHA256 in section  # the sdist the script checks is the README's


def test_shakespeare_has_no_gutenberg_boilerplate_and_normalised_whitespace():
    raw = (CORPORA / "shakespeare.txt").read_bytes()
    text = raw.decode("ascii")
    for marker in ("Gutenberg", "GUTENBERG", "*** START", "*** END", "LICENSE", "etext",
                   "THE END", "by William Shakespeare", "PERSONS REPRESENTED",
                   "Persons Represented"):
        assert marker not in text, marker
    assert "\r" not in text and "\t" not in text and "  " not in text
    assert "\n\n\n" not in text and not re.search(r" \n| $|^ ", text, re.M)
    assert text.startswith("JULIUS CAESAR\n\nACT I.\n") and "\nMACBETH\n\nACT I.\n" in text
    assert 100_000 <= len(raw) <= 300_000


def test_shakespeare_split_is_the_documented_one():
    train, valid, whole = (data.shakespeare(s) for s in ("train", "valid", "all"))
    assert train + valid == whole and train.endswith("\n")
    start = int(0.9 * len(whole))  # valid starts at the first line start from here on
    assert len(train) > start and "\n" not in whole[start:len(train) - 1]
    assert "MACBETH" not in valid.split("\n")[0] and "Scone" in valid  # the play's end
    tokens, vocab = data.shakespeare_chars("valid")
    assert "".join(vocab[i] for i in tokens) == valid
    assert data.shakespeare_chars("train")[1] == vocab == sorted(set(whole))
    with pytest.raises(ValueError, match="split must be one of"):
        data.shakespeare("test")


def test_extraction_steps_strip_boilerplate_and_normalise():
    script = _script()
    raw = ("The Project Gutenberg EBook of Macbeth\r\n\r\n*** START OF THIS PROJECT "
           "GUTENBERG EBOOK MACBETH ***\r\nMACBETH\r\n\r\nby William Shakespeare\r\n\r\n"
           "Persons Represented\r\nDUNCAN, King.\r\n\r\n\r\n\r\nACT I.\r\n\r\n"
           "FIRST  WITCH.\r\n\tWhen shall we three meet again?   \r\n\r\n\r\n\r\n"
           "THE END\r\n\r\nEnd of the Project Gutenberg EBook of Macbeth\r\n"
           "*** END OF THIS PROJECT GUTENBERG EBOOK MACBETH ***\r\nThe licence ...\r\n")
    body = script.normalise(script.play_body(script.strip_gutenberg(raw)))
    assert body == "ACT I.\n\nFIRST WITCH.\nWhen shall we three meet again?\n"
    assert not script.BOILERPLATE.search(body)
    assert script.BOILERPLATE.search("End of the Project Gutenberg EBook")
    assert script.BOILERPLATE.search("LICENSE") and not script.BOILERPLATE.search(
        "a licence to kill, the start of the end")
    with pytest.raises(ValueError, match="ACT I"):
        script.play_body("A sonnet\n")
