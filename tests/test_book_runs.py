"""The store of the book's build-time experiments (autograder/book_runs.py): a result is
reused only for the same experiment, arguments and reference code, and never when the
store is switched off."""
from __future__ import annotations

import json

import pytest

from autograder import book_runs, reference


def make_counter():
    calls = []

    def run(n, scale=1.0):
        calls.append(n)
        return {"value": n * scale}
    return run, calls


def test_a_result_is_computed_once_and_then_read_back(tmp_path, monkeypatch):
    monkeypatch.setenv("RNNCOURSE_BOOK_RUNS", str(tmp_path))
    run, calls = make_counter()
    first = book_runs.cached("demo", run, 3, scale=2.0, depends=("ch01",))
    again = book_runs.cached("demo", run, 3, scale=2.0, depends=("ch01",))
    assert first == again == {"value": 6.0}
    assert calls == [3]
    assert len(list(tmp_path.glob("demo-*.pkl"))) == 1
    assert not list(tmp_path.glob(".*.tmp")), "a half-written file was left behind"


@pytest.mark.parametrize("change", ["argument", "keyword", "name", "depends"])
def test_a_changed_experiment_runs_again(tmp_path, monkeypatch, change):
    monkeypatch.setenv("RNNCOURSE_BOOK_RUNS", str(tmp_path))
    run, calls = make_counter()
    book_runs.cached("demo", run, 3, scale=2.0, depends=("ch01",))
    args = {"argument": (("demo", run, 4), dict(scale=2.0, depends=("ch01",))),
            "keyword": (("demo", run, 3), dict(scale=3.0, depends=("ch01",))),
            "name": (("demo2", run, 3), dict(scale=2.0, depends=("ch01",))),
            "depends": (("demo", run, 3), dict(scale=2.0, depends=("ch01", "ch02")))}
    positional, keywords = args[change]
    book_runs.cached(*positional, **keywords)
    assert len(calls) == 2


def test_other_source_code_gives_another_key():
    def one(n):
        return n

    def two(n):
        return n + 1
    assert book_runs.key("x", one, (1,), {}) != book_runs.key("x", two, (1,), {})


def test_an_edited_reference_notebook_gives_another_key(tmp_path):
    original = reference.notebook_path("ch01")
    copy = tmp_path / "ch01" / "ch01.ipynb"
    copy.parent.mkdir()
    nb = json.loads(original.read_text(encoding="utf-8"))
    copy.write_text(json.dumps(nb), encoding="utf-8")

    def run(n):
        return n
    with reference.using(tmp_path):
        before = book_runs.key("x", run, (1,), {}, depends=("ch01",))
        code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        code["source"] = "".join(code["source"]) + "\n# edited\n"
        copy.write_text(json.dumps(nb), encoding="utf-8")
        after = book_runs.key("x", run, (1,), {}, depends=("ch01",))
    assert before != after


def test_off_never_reads_or_writes_the_store(tmp_path, monkeypatch):
    monkeypatch.setattr(book_runs, "STORE", tmp_path / "store")
    monkeypatch.setenv("RNNCOURSE_BOOK_RUNS", "off")
    run, calls = make_counter()
    book_runs.cached("demo", run, 1)
    book_runs.cached("demo", run, 1)
    assert calls == [1, 1]
    assert not (tmp_path / "store").exists()
