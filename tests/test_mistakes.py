"""Diagnosis by matching (issue 17): the catalogue of likely mistakes and its corpus.

The catalogue (``autograder/mistakes/chNN.py``) is instructor code; the corpus is the
learner-written wrong implementations of ``tests/mutants/<chapter>/``. A mutant whose
header has a line

    # Names: word; other words

is in the corpus: run through the visible self-check (the kit alone, from its fixtures,
as in a learner's kernel with no instructor side) and through the hidden judge (recorded
as in the sandbox, judged outside by ``autograder.pipeline.judge.Judge``), every message
must contain each word, and the words name the cause (most come from a catalogued
mistake's ``Likely cause: ...``; some from a check whose own message is the diagnosis,
such as a dtype, the use of np.random, or what a function returned that the check could
not use). A line ``# Localised: words`` instead puts it in the corpus as localised only:
the message must contain the words (which array, which steps or blocks) but need not
name the cause.

The rate of named mistakes per chapter is printed; the corpus must hold at least
``MIN_CORPUS`` mistakes, and ``MIN_NAMED`` of them must be named.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest

from autograder import mistakes, reference
from autograder.pipeline.judge import Judge, parse_checks
from course import CHAPTERS, REPO, mutant_source, mutants, solution_sources
from rnnkit import cases as _cases
from rnnkit import grading
from rnnkit.checks import CheckFailure
from rnnkit.expected import FIXTURES, MISTAKES_KEY, expected_case
from rnnkit.recording import RECORD_ENV

# One xdist worker runs the whole file: the corpus is computed once and shared.
pytestmark = pytest.mark.xdist_group("mistake-corpus")

MIN_CORPUS = 150
MIN_NAMED = 0.9
_ANNOTATION = re.compile(r"^#\s*(Names|Localised):\s*(.+)$", re.MULTILINE)


def annotated(chapter: str) -> list[tuple[str, str, Path, str, list[str]]]:
    """(function, name, file, kind, words) of the chapter's corpus mutants."""
    found = []
    for function, name, path in mutants(chapter):
        match = _ANNOTATION.search(path.read_text())
        if match:
            words = [w.strip() for w in match.group(2).split(";") if w.strip()]
            found.append((function, name, path, match.group(1), words))
    return found


def _namespace(chapter: str, source: str) -> dict:
    ns: dict = {}
    exec(compile(reference.reference_source(chapter), f"<reference {chapter}>", "exec"), ns)
    exec(compile(source, "<mutant>", "exec"), ns)
    return ns


def _hidden_instances(chapter: str, function: str):
    nb = nbformat.read(REPO / "solutions" / chapter / f"{chapter}.ipynb", as_version=4)
    found = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and not meta.get("solution"):
            found += [i for i in parse_checks(cell.source) if i.function == function]
    return list(dict.fromkeys(found))


def visible_message(chapter: str, function: str, ns: dict, monkeypatch) -> str | None:
    """The visible self-check's message, as in a learner's kernel (no instructor side)."""
    with monkeypatch.context() as m:
        m.setattr("rnnkit.expected.instructor", lambda: None)
        m.delenv(RECORD_ENV, raising=False)
        try:
            grading.check(f"{chapter}.{function}", ns)
        except CheckFailure as failure:
            return str(failure)
    return None


def hidden_messages(chapter: str, function: str, ns: dict, tmp_path, monkeypatch,
                    judge: Judge) -> list[str]:
    """The outside judge's reasons for every hidden instance of the function."""
    out = []
    for k, inst in enumerate(_hidden_instances(chapter, function)):
        folder = tmp_path / f"rec{k}"
        folder.mkdir()
        with monkeypatch.context() as m:
            m.setenv(RECORD_ENV, str(folder))
            shape = dict(inst.shape)
            grading.check(f"{chapter}.{function}", ns, seeds=[inst.seed], **shape)
        reason = judge.judge_instance(inst, folder)
        if reason is not None:
            out.append(reason)
    return out


_JUDGES: dict[str, Judge] = {}
_RESULTS: dict[str, list[dict]] = {}


def corpus_results(chapter: str, tmp_path_factory, monkeypatch) -> list[dict]:
    if chapter not in _RESULTS:
        judge = _JUDGES.setdefault(chapter, Judge(chapter))
        results, references = [], solution_sources(chapter)
        for function, name, path, kind, words in annotated(chapter):
            tmp = tmp_path_factory.mktemp(f"{chapter}-{name}")
            ns = _namespace(chapter, mutant_source(chapter, function, path, references))
            messages = []
            seen = visible_message(chapter, function, ns, monkeypatch)
            if seen is not None:
                messages.append(("visible", seen))
            messages += [("hidden", m) for m in
                         hidden_messages(chapter, function, ns, tmp, monkeypatch, judge)]
            results.append({"function": function, "name": name, "kind": kind,
                            "words": words, "messages": messages})
        _RESULTS[chapter] = results
    return _RESULTS[chapter]


def _says(message: str, words: list[str]) -> bool:
    text = message.lower()
    return all(w.lower() in text for w in words)


@pytest.mark.slow  # every corpus mistake through the kit and the judge
@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if annotated(c)])
def test_every_corpus_mistake_is_named_or_localised(chapter, tmp_path_factory,
                                                     monkeypatch):
    problems = []
    for r in corpus_results(chapter, tmp_path_factory, monkeypatch):
        if not r["messages"]:
            problems.append(f"{r['function']}/{r['name']}: no check failed at all")
            continue
        for where, message in r["messages"]:
            if not _says(message, r["words"]):
                problems.append(f"{r['function']}/{r['name']} ({where}): expected "
                                f"{r['words']} ({r['kind']}) in:\n    {message}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_the_corpus_is_large_enough_and_mostly_named(tmp_path_factory, monkeypatch):
    total = named = 0
    lines = []
    for chapter in CHAPTERS:
        results = corpus_results(chapter, tmp_path_factory, monkeypatch)
        ok = [r for r in results if r["kind"] == "Names" and r["messages"] and all(
            _says(m, r["words"]) for _, m in r["messages"])]
        total += len(results)
        named += len(ok)
        if results:
            lines.append(f"{chapter}: {len(ok)}/{len(results)} named")
    print("\nmistake corpus: " + "; ".join(lines)
          + f"; overall {named}/{total} ({named / max(1, total):.0%})")
    assert total >= MIN_CORPUS, f"the corpus holds {total} mistakes, fewer than {MIN_CORPUS}"
    assert named >= MIN_NAMED * total, f"only {named} of {total} mistakes are named"


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if mistakes.catalogue(c)])
def test_each_catalogued_mistake_is_distinguishable_and_named_by_itself(chapter):
    """On the visible inputs, every mistake differs from the reference, and its own
    outputs, fed back as a learner's, are named by its own words (no earlier entry of
    the catalogue gives the same outputs)."""
    problems = []
    for case in _cases.all_cases(chapter):
        entries = mistakes.runs(chapter, case.function, 0)
        expected, _ = expected_case(chapter, case.function, 0, {})
        for name, says, outputs, how in entries:
            if not outputs:
                problems.append(f"{case.function}/{name}: crashes on the visible inputs")
                continue
            if case.matches(outputs, expected, how):
                problems.append(f"{case.function}/{name}: indistinguishable from the "
                                "reference on the visible inputs")
                continue
            if case.likely_cause(outputs, entries) != says:
                problems.append(f"{case.function}/{name}: shadowed by an earlier mistake "
                                "with the same outputs")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("chapter", [c for c in CHAPTERS if mistakes.catalogue(c)])
def test_fixtures_ship_the_mistakes_outputs_and_words_but_no_code(chapter):
    path = FIXTURES / f"{chapter}.npz"
    with np.load(path, allow_pickle=False) as data:
        listed = {k: [json.loads(str(e)) for e in data[k]] for k in data.files
                  if k.endswith("|" + MISTAKES_KEY)}
    by_function = {m.function for m in mistakes.catalogue(chapter)}
    names = {key.split("|")[0]: [e[0] for e in entries] for key, entries in listed.items()}
    for function in by_function:
        assert names.get(function) == [m.name for m in
                                       mistakes.catalogue(chapter, function)], function
    text = path.read_bytes()
    for m in mistakes.catalogue(chapter):
        assert b"def " + m.function.encode() not in text  # outputs and words only


def test_a_correct_but_different_implementation_is_never_diagnosed(monkeypatch):
    """A loop-based rnn_forward and a max-free softmax that are right pass untouched."""
    ns = _namespace("ch01", '''
def rnn_forward(x, h0, Wx, Wh, b):
    states, h = [], h0
    for t in range(x.shape[1]):
        h = np.tanh(x[:, t] @ Wx + h @ Wh + b)
        states.append(h)
    return np.stack(states, axis=1), None

def softmax(scores):
    z = scores - np.max(scores, axis=-1, keepdims=True)
    return np.exp(z) / np.sum(np.exp(z), axis=-1, keepdims=True)
''')
    for function in ("rnn_forward", "softmax"):
        assert visible_message("ch01", function, ns, monkeypatch) is None
