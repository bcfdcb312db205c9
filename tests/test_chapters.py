"""Tests that prove the tests, for every chapter, through real nbgrader.

For each chapter in solutions/, one nbgrader autograde run grades, in one batch:
the solution notebook, the untouched release, and one submission per wrong
implementation kept as data in tests/mutants/<chapter>/ (each is the correct notebook
with one answer cell replaced). Then:

- the solution scores full marks, the release scores zero;
- every mutant loses the points of the function it breaks (and at least five mutants
  exist per graded function);
- exercises/ is exactly what nbgrader generates from solutions/ now, without solution
  code or hidden tests;
- the visible self-checks work without the solutions (from the shipped fixtures), and
  the fixtures are what the reference produces now.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from course import CHAPTERS, REPO, Course, answer_cells, mutants, solution_sources

PARAMS = [pytest.param(ch, marks=pytest.mark.xdist_group(ch)) for ch in CHAPTERS]
_GRADED: dict[str, tuple] = {}


def graded(chapter: str, tmp_path_factory):
    """Grade solution, release and every mutant of a chapter in one nbgrader batch."""
    if chapter not in _GRADED:
        course = Course(tmp_path_factory.mktemp(chapter), [chapter])
        course.generate()
        course.submit(chapter, "solution", course.filled(chapter))
        course.submit(chapter, "release", course.release(chapter))
        students = {}
        for function, name, path in mutants(chapter):
            student = f"mutant-{function}-{name}".replace("_", "-")
            students[student] = (function, name)
            course.submit(chapter, student,
                          course.filled(chapter, {function: path.read_text()}))
        proc = course.autograde(chapter)
        _GRADED[chapter] = (course, course.scores(chapter), course.max_scores(chapter),
                            students, proc)
    return _GRADED[chapter]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", PARAMS)
def test_solution_scores_full_marks(chapter, tmp_path_factory):
    course, scores, maxima, _, proc = graded(chapter, tmp_path_factory)
    assert scores["solution"] == maxima, (
        f"{chapter}: the solution lost points: "
        f"{ {k: v for k, v in scores['solution'].items() if v != maxima[k]} }\n"
        f"{proc.stderr[-3000:]}")


@pytest.mark.slow
@pytest.mark.parametrize("chapter", PARAMS)
def test_release_scores_zero(chapter, tmp_path_factory):
    _, scores, maxima, _, _ = graded(chapter, tmp_path_factory)
    assert set(scores["release"]) == set(maxima)
    assert all(v == 0 for v in scores["release"].values()), scores["release"]


@pytest.mark.slow
@pytest.mark.parametrize("chapter", PARAMS)
def test_every_mutant_loses_its_functions_points(chapter, tmp_path_factory):
    _, scores, maxima, students, _ = graded(chapter, tmp_path_factory)
    survivors = []
    for student, (function, name) in students.items():
        cell = f"test_{function}"
        assert cell in maxima, f"mutant {name} targets {function}, which has no {cell}"
        if scores[student][cell] >= maxima[cell]:
            survivors.append(f"{function}/{name}")
    assert not survivors, f"{chapter}: these wrong implementations kept full marks: {survivors}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_at_least_five_mutants_per_graded_function(chapter):
    functions = set(solution_sources(chapter))
    counts = {f: 0 for f in functions}
    for function, _, _ in mutants(chapter):
        assert function in counts, f"mutant for unknown function {function}"
        counts[function] += 1
    thin = {f: n for f, n in counts.items() if n < 5}
    assert not thin, f"{chapter}: fewer than five wrong implementations for {thin}"


@pytest.mark.slow
@pytest.mark.parametrize("chapter", PARAMS)
def test_exercises_are_the_current_release(chapter, tmp_path_factory):
    course, *_ = graded(chapter, tmp_path_factory)
    generated = json.loads((course.root / "exercises" / chapter / f"{chapter}.ipynb")
                           .read_text())
    committed = json.loads((REPO / "exercises" / chapter / f"{chapter}.ipynb").read_text())
    assert committed == generated, (
        f"exercises/{chapter} is out of date: run `make release CHAPTER={chapter}`")
    def listing(folder):  # editor droppings such as .ipynb_checkpoints are not release
        return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
    assert listing(course.root / "exercises" / chapter) == listing(REPO / "exercises" / chapter)


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_release_has_no_solutions_or_hidden_tests(chapter):
    text = (REPO / "exercises" / chapter / f"{chapter}.ipynb").read_text()
    for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS",
                   "END HIDDEN TESTS"):
        assert marker not in text
    release = json.loads(text)
    release_code = "\n".join("".join(c["source"]) for c in release["cells"])
    for gid, source in solution_sources(chapter).items():
        body = source.split('"""')[-1]  # the code after the docstring
        leaked = [ln.strip() for ln in body.splitlines()
                  if len(ln.strip()) > 25 and ln.strip() in release_code]
        assert not leaked, f"{chapter}/{gid}: solution lines in the release: {leaked}"
    source_nb = json.loads((REPO / "solutions" / chapter / f"{chapter}.ipynb").read_text())
    hidden = re.findall(r"BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                        "\n".join("".join(c["source"]) for c in source_nb["cells"]), re.S)
    for block in hidden:
        for line in block.splitlines():
            if line.strip():
                assert line.strip() not in release_code, f"hidden test leaked: {line}"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_not_implemented_only_in_learner_regions(chapter):
    import nbformat
    nb = nbformat.read(REPO / "exercises" / chapter / f"{chapter}.ipynb", as_version=4)
    answers = set(answer_cells(nb).values())
    for i, cell in enumerate(nb.cells):
        raises = cell.cell_type == "code" and "raise NotImplementedError" in cell.source
        if i in answers:
            assert raises, f"{chapter}: answer cell {i} has no stub"
        else:
            assert not raises, f"{chapter}: cell {i} raises NotImplementedError itself"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_fixtures_match_the_reference(chapter):
    from autograder.fixtures import fixture_arrays
    from autograder.grading import FIXTURES
    current = fixture_arrays(chapter)
    with np.load(FIXTURES / f"{chapter}.npz") as shipped:
        assert sorted(shipped.files) == sorted(current), "run `make fixtures`"
        for key, value in current.items():
            if value.dtype.kind in "US":  # names, e.g. the inputs changed in place
                np.testing.assert_array_equal(shipped[key], value,
                                              err_msg=f"{key}: run `make fixtures`")
            else:
                np.testing.assert_allclose(shipped[key], value, rtol=1e-10, atol=1e-12,
                                           err_msg=f"{key}: run `make fixtures`")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_provided_modules_match_the_solutions(chapter):
    from autograder.fixtures import PROVIDED, provided_source
    path = PROVIDED / f"{chapter}.py"
    assert path.exists() and path.read_text() == provided_source(chapter), (
        f"autograder/provided/{chapter}.py is out of date: run `make fixtures`")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_visible_self_checks_need_no_solutions(chapter, tmp_path):
    """Run the release's visible checks on the reference with solutions/ out of reach."""
    import nbformat
    nb = nbformat.read(REPO / "exercises" / chapter / f"{chapter}.ipynb", as_version=4)
    checks = [c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    toolkit = [c.source for c in nb.cells if c.cell_type == "code"
               and not c.metadata.get("nbgrader", {}).get("grade")
               and not c.metadata.get("nbgrader", {}).get("solution")
               and "from autograder" in c.source]
    script = tmp_path / "visible.py"
    script.write_text(
        "from autograder import reference\n"
        f"ns = dict(vars(reference.load({chapter!r})))\n"
        "reference.load.cache_clear()\n"
        "import os; os.environ['RNNCOURSE_SOLUTIONS'] = '/nonexistent'\n"
        + "".join(f"exec({src!r}, ns)\n" for src in toolkit + checks))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "RNNCOURSE_RECORD_DIR": ""})
    assert proc.returncode == 0, proc.stderr[-3000:]
    # every check(...) call prints one "name: passed (...)" line
    calls = sum(len(re.findall(r"^check\(", src, flags=re.M)) for src in checks)
    assert calls >= len(checks)
    assert len(re.findall(r"^\w+: passed \(", proc.stdout, flags=re.M)) == calls, proc.stdout


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_missing_toolkit_is_explained_in_one_line(chapter, tmp_path):
    """Outside the course environment the notebook says what to install, in one line."""
    import nbformat
    nb = nbformat.read(REPO / "exercises" / chapter / f"{chapter}.ipynb", as_version=4)
    toolkit = [c.source for c in nb.cells
               if c.cell_type == "code" and "from autograder" in c.source][0]
    hide = "import sys; sys.modules['autograder'] = None  # as if not installed\n"
    proc = subprocess.run([sys.executable, "-c", hide + toolkit], cwd=tmp_path,
                          capture_output=True, text=True)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: The course's checking toolkit is missing")
    assert "make env" in last and "pip install -e ." in last
