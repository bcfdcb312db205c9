"""The mutants are patches against the reference (tests/mutant_patches.py): every one
still applies to the current reference and still changes its code, and the applier is
strict (found at a shifted line, as ``patch`` does, but never with mismatched lines),
failing with a message that says which file, which hunk and what to redo; ``rebase``
carries a mutant over an edit of the reference elsewhere and refuses one that meets it."""
from __future__ import annotations

import importlib.util
import re

import pytest

import mutant_patches
from course import CHAPTERS, MUTANTS, REPO, mutant_source, mutants, solution_sources

_spec = importlib.util.spec_from_file_location("make_patch", MUTANTS / "make_patch.py")
make_patch = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_patch)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_mutant_applies_compiles_and_changes_the_code(chapter):
    references = solution_sources(chapter)
    assert mutants(chapter), f"tests/mutants/{chapter}/ holds no mutant patch"
    problems = []
    for function, name, path in mutants(chapter):
        where = path.relative_to(REPO)
        if function not in references:
            problems.append(f"{where}: {chapter} has no answer cell {function!r}")
            continue
        try:
            source = mutant_source(chapter, function, path, references)
        except (mutant_patches.PatchDoesNotApply, mutant_patches.MalformedPatch) as err:
            problems.append(str(err))
            continue
        header = mutant_patches.header_of(path)
        if not header or not header[0].startswith("# Wrong:"):
            problems.append(f"{where}: the patch should start with a '# Wrong: ...' line")
        if source.splitlines()[:len(header)] != header:
            problems.append(f"{where}: the mutant's source does not start with its header")
        try:
            compile(source, str(where), "exec")
        except SyntaxError as err:
            problems.append(f"{where}: the patched source does not compile: {err}")
            continue
        if mutant_patches.code_of(source) == mutant_patches.code_of(references[function]):
            problems.append(f"{where}: the patched code is the reference's (only comments, "
                            "layout or docstrings differ)")
    assert not problems, "\n".join(problems)


def _example():
    """A real mutant: (reference source, patch text, its source, its first hunk)."""
    path = MUTANTS / "ch01" / "one_hot__off_by_one.patch"
    text = path.read_text()
    return solution_sources("ch01")["one_hot"], text, \
        mutant_source("ch01", "one_hot", path), mutant_patches.split(text)[1][0]


def test_a_patch_is_found_at_a_shifted_line():
    reference, text, source, _ = _example()
    above = ["import math  # lines added above the function", "", ""]
    shifted = mutant_patches.apply("\n".join(above + reference.splitlines()), text)
    header = mutant_patches.split(text)[0]
    assert shifted.splitlines() == (header + above
                                    + source.splitlines()[len(header):])
    # and found earlier than its header says: the reference lost lines above the hunk
    _, hunks = mutant_patches.split(text)
    lines = reference.splitlines()
    assert hunks[0].start >= 4
    shorter = "\n".join(lines[:1] + lines[4:])  # three docstring lines gone
    assert mutant_patches.apply(shorter, text).splitlines() == (
        source.splitlines()[:len(header) + 1] + source.splitlines()[len(header) + 4:])


def test_mismatched_context_is_rejected_loudly_without_fuzz():
    reference, text, _, hunk = _example()
    context = max((ln[1:] for ln in hunk.lines if ln.startswith(" ")), key=len)
    lines = reference.splitlines()
    assert lines.count(context) == 1
    lines[lines.index(context)] += " "  # one trailing space differs, nothing else
    edited = "\n".join(lines)
    with pytest.raises(mutant_patches.PatchDoesNotApply) as err:
        mutant_patches.apply(edited, text, "tests/mutants/ch01/one_hot__off_by_one.patch")
    message = str(err.value)
    assert "tests/mutants/ch01/one_hot__off_by_one.patch" in message
    assert hunk.header in message and context in message
    assert "make_patch.py write ch01 one_hot off_by_one wrong.py --force" in message


def test_a_broken_patch_file_fails_with_file_hunk_and_expected_lines(tmp_path):
    reference, text, _, hunk = _example()
    removed = next(ln for ln in hunk.lines if ln.startswith("-"))
    broken = tmp_path / "one_hot__broken.patch"
    broken.write_text(text.replace(removed, removed.replace("indices", "indexes"), 1))
    with pytest.raises(mutant_patches.PatchDoesNotApply) as err:
        mutant_source("ch01", "one_hot", broken)
    message = str(err.value)
    assert str(broken) in message and hunk.header in message
    assert removed[1:].replace("indices", "indexes") in message  # the line it expected
    assert removed[1:] in message  # and what the reference holds there now
    assert "redo the mutant" in message and "make_patch.py start" in message


def test_hunks_apply_in_order_and_never_reuse_lines():
    reference = "a\nb\nc\nd\ne\nf\ng\nh"
    patch = mutant_patches.make(reference, "a\nB\nc\nd\ne\nf\nG\nh", ["# Wrong: two"],
                                "ref", "mut")
    assert len(mutant_patches.split(patch)[1]) == 1  # n=3 context joins the two changes
    two = ("# Wrong: two hunks\n--- ref\n+++ mut\n@@ -1,2 +1,2 @@\n a\n-b\n+B\n"
           "@@ -1,2 +1,2 @@\n a\n-b\n+X\n")
    with pytest.raises(mutant_patches.PatchDoesNotApply):
        mutant_patches.apply(reference, two)  # the second hunk may not go back over b
    assert mutant_patches.apply(reference, patch) == "# Wrong: two\n" + \
        "a\nB\nc\nd\ne\nf\nG\nh\n"


def test_a_malformed_patch_says_what_is_wrong():
    reference, text, _, hunk = _example()
    count = int(re.match(r"@@ -\d+,(\d+)", hunk.header).group(1))
    longer = re.sub(r"^(@@ -\d+),\d+", rf"\g<1>,{count + 1}", hunk.header)
    short = text.replace(hunk.header, longer, 1)
    assert short != text
    with pytest.raises(mutant_patches.MalformedPatch, match=f"promises {count + 1} reference"):
        mutant_patches.apply(reference, short, "x.patch")
    with pytest.raises(mutant_patches.MalformedPatch, match="no hunk"):
        mutant_patches.apply(reference, "# Wrong: nothing\n")


def test_make_patch_round_trip(tmp_path, capsys):
    """An author's path: print the reference, put a mistake in, write, show."""
    make_patch.main(["start", "ch01", "one_hot"])
    started = capsys.readouterr().out
    assert solution_sources("ch01")["one_hot"] in started
    edited = tmp_path / "wrong.py"
    edited.write_text(started.replace(" = 1.0", " = 2.0"))
    with pytest.raises(SystemExit, match="fill in or delete"):
        make_patch.write("ch01", "one_hot", "twos", edited, tmp_path)
    wrong = started.replace(" = 1.0", " = 2.0").splitlines()
    wrong[:2] = ["# Wrong: writes 2 instead of 1.", "# Names: 2.0"]
    edited.write_text("\n".join(wrong) + "\n")
    out = tmp_path / "ch01"  # the layout of tests/mutants/, somewhere else
    out.mkdir()
    path = make_patch.write("ch01", "one_hot", "twos", edited, out)
    assert path == out / "one_hot__twos.patch"
    assert len(path.read_text().splitlines()) < 15  # the diff, not a copy of the function
    make_patch.main(["show", str(path)])
    assert capsys.readouterr().out == edited.read_text()
    with pytest.raises(SystemExit, match="exists"):
        make_patch.write("ch01", "one_hot", "twos", edited, out)
    same = tmp_path / "same.py"
    same.write_text("# Wrong: nothing\n" + solution_sources("ch01")["one_hot"]
                    .replace("= 1.0", "= 1.0  # a comment only"))
    with pytest.raises(SystemExit, match="the code is the reference's"):
        make_patch.write("ch01", "one_hot", "same", same, tmp_path)


def _edit(source: str, old: str, new: str) -> str:
    assert source.count(old) == 1, old
    return source.replace(old, new)


def test_rebase_carries_a_mutant_over_edits_elsewhere():
    reference, text, source, _ = _example()
    edited = _edit(_edit(_edit(reference, "One-hot encode a", "One-hot encodes a"),
                         "# (N, T, V)", "# (N, T, V): all zeros"),  # next to the mistake
                   "N, T = indices.shape", "N, T = indices.shape[:2]")  # code, elsewhere
    with pytest.raises(mutant_patches.PatchDoesNotApply):
        mutant_patches.apply(edited, text)
    rebased = mutant_patches.rebase(reference, edited, text, "one_hot__off_by_one.patch")
    expected = _edit(_edit(_edit(source, "One-hot encode a", "One-hot encodes a"),
                           "# (N, T, V)", "# (N, T, V): all zeros"),
                     "N, T = indices.shape", "N, T = indices.shape[:2]")
    assert mutant_patches.apply(edited, rebased) == expected
    assert mutant_patches.split(rebased)[0] == mutant_patches.split(text)[0]


def test_rebase_lets_the_mutant_win_over_a_comment_edit_on_its_own_lines():
    reference = "def f(x):\n    y = x + 1  # one more\n    return y"
    text = mutant_patches.make(reference, "def f(x):\n    y = x + 2\n    return y",
                               ["# Wrong: two"], "ref", "mut")
    edited = reference.replace("# one more", "# the next one")
    assert mutant_patches.apply(edited, mutant_patches.rebase(reference, edited, text)) == \
        "# Wrong: two\ndef f(x):\n    y = x + 2\n    return y\n"


def test_rebase_refuses_a_code_edit_that_meets_the_mistake():
    reference, text, _, _ = _example()
    for old, new in [(" = 1.0", " = 1"),  # the mutant's own line
                     ("x = np.zeros((N, T, vocab_size))", "x = np.zeros((N, T, vocab_size), "
                      "dtype=float)")]:  # the line next to it
        edited = _edit(reference, old, new)
        with pytest.raises(mutant_patches.RebaseConflict, match="Redo this mutant by hand"):
            mutant_patches.rebase(reference, edited, text, "one_hot__off_by_one.patch")


def test_make_patch_rebase_reports_a_patch_that_applies_nowhere(tmp_path):
    _, text, _, hunk = _example()
    removed = next(ln for ln in hunk.lines if ln.startswith("-"))
    folder = tmp_path / "ch01"
    folder.mkdir()
    broken = folder / "one_hot__broken.patch"
    broken.write_text(text.replace(removed, removed + "  # never in any reference", 1))
    rewritten, problems = make_patch.rebase([broken])
    assert rewritten == [] and len(problems) == 1
    assert "does not apply at HEAD either" in problems[0] and "--since" in problems[0]
    assert broken.read_text() != text  # left as it was, for the author
