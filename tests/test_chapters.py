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

from course import (CHAPTERS, REPO, Course, answer_cells, mutant_source, mutants,
                    solution_sources)
from rnnkit.questions import is_question

PARAMS = [pytest.param(ch, marks=pytest.mark.xdist_group(ch)) for ch in CHAPTERS]
_GRADED: dict[str, tuple] = {}


def graded(chapter: str, tmp_path_factory):
    """Grade solution, release and every mutant of a chapter in one nbgrader batch."""
    if chapter not in _GRADED:
        course = Course(tmp_path_factory.mktemp(chapter), [chapter])
        course.generate()
        course.submit(chapter, "solution", course.filled(chapter))
        course.submit(chapter, "release", course.release(chapter))
        students, references = {}, solution_sources(chapter)
        for function, name, path in mutants(chapter):
            student = f"mutant-{function}-{name}".replace("_", "-")
            students[student] = (function, name)
            course.submit(chapter, student,
                          course.filled(chapter, {function: mutant_source(
                              chapter, function, path, references)}))
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
    # a conceptual question's wrong answers are tested in test_questions.py
    functions = {f for f in solution_sources(chapter) if not is_question(f)}
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
    # provided-code cells give earlier chapters' answers on purpose (the kit policy)
    release_code = "\n".join("".join(c["source"]) for c in release["cells"]
                              if "provided" not in c.get("metadata", {}).get("tags", []))
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


@pytest.mark.slow  # recomputes every visible case and catalogued mistake
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_fixtures_match_the_reference(chapter):
    """The shipped fixtures are what the reference produces now, judged the way the
    visible check judges a learner: floating-point results may differ across CPUs and
    BLAS builds (training runs by 1e-9 to 1e-5 relative), so each case's own
    comparison decides, in both directions, not a bit-for-bit tolerance."""
    from autograder.fixtures import fixture_arrays
    from rnnkit import cases
    from rnnkit.expected import FIXTURES, MISTAKE_PREFIX, MISTAKES_KEY, MUTATED_KEY, case_key
    current = fixture_arrays(chapter)
    with np.load(FIXTURES / f"{chapter}.npz") as data:
        shipped = {k: data[k] for k in data.files}
    assert sorted(shipped) == sorted(current), "run `make fixtures`"
    for case in cases.all_cases(chapter):
        if case.key_hidden:  # a question's key never ships (test_questions.py)
            continue
        prefix = case_key(case.function, 0, case.defaults) + "|"
        now = {k[len(prefix):]: v for k, v in current.items() if k.startswith(prefix)}
        ship = {k[len(prefix):]: v for k, v in shipped.items() if k.startswith(prefix)}
        np.testing.assert_array_equal(ship.pop(MUTATED_KEY), now.pop(MUTATED_KEY))
        listed = ship.pop(MISTAKES_KEY)
        np.testing.assert_array_equal(listed, now.pop(MISTAKES_KEY))
        groups = {"the reference": ("", "values")}
        for entry in listed:  # each catalogued mistake's outputs, compared the same way
            name, _says, how = json.loads(str(entry))
            groups[f"mistake {name}"] = (f"{MISTAKE_PREFIX}{name}|", how)
        for label, (sub, how) in groups.items():
            def part(d, sub=sub):
                return {k[len(sub):]: v for k, v in d.items() if k.startswith(sub) and (
                    sub or not k.startswith(MISTAKE_PREFIX))}
            if how == "shape":
                assert {k: np.shape(v) for k, v in part(now).items()} == \
                    {k: np.shape(v) for k, v in part(ship).items()}, label
                continue
            if how.startswith("exact"):  # compared directly, as the matching does
                assert case.matches(part(now), part(ship), how) and \
                    case.matches(part(ship), part(now), how), (
                        f"{chapter}.{case.function} ({label}): the shipped fixture is "
                        "stale; run `make fixtures`")
                continue
            for got, expected in ((part(now), part(ship)), (part(ship), part(now))):
                try:
                    case.compare(got, expected)
                except AssertionError as failure:
                    raise AssertionError(
                        f"{chapter}.{case.function} ({label}): the shipped fixture is "
                        f"stale ({failure}); run `make fixtures`") from None


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_generated_cells_match_the_solutions(chapter):
    """Toolkit and provided-code cells are what `make fixtures` generates now."""
    import nbformat
    from autograder import provide, reference
    nb = nbformat.read(reference.notebook_path(chapter), as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == provide.TOOLKIT_ID:
            assert cell.source == provide.toolkit_source(provide._extra_imports(cell.source)), \
                f"{chapter}: the toolkit cell is out of date: run `make fixtures`"
    for cell in provide.provided_cells(nb):
        assert cell.source == provide.provided_source(dict(cell.metadata["provided"])), \
            f"{chapter}: the provided-code cell is out of date: run `make fixtures`"


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_visible_self_checks_need_no_solutions(chapter, tmp_path):
    """Run the release's visible checks on the reference with solutions/ out of reach."""
    import nbformat
    nb = nbformat.read(REPO / "exercises" / chapter / f"{chapter}.ipynb", as_version=4)
    checks = [c.source for c in nb.cells if c.cell_type == "code"
              and c.metadata.get("nbgrader", {}).get("grade")]
    toolkit = [c.source for c in nb.cells if c.cell_type == "code"
               and not c.metadata.get("nbgrader", {}).get("grade")
               and not c.metadata.get("nbgrader", {}).get("solution")
               and "from rnnkit" in c.source]
    script = tmp_path / "visible.py"
    script.write_text(
        "from autograder import reference\n"
        f"ns = dict(vars(reference.load({chapter!r})))\n"
        "reference.load.cache_clear()\n"
        "import os; os.environ['RNNCOURSE_SOLUTIONS'] = '/nonexistent'\n"
        "import rnnkit.expected; rnnkit.expected.instructor = lambda: None  # a learner's kit\n"
        + "".join(f"exec({src!r}, ns)\n" for src in toolkit + checks))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, env={**os.environ, "RNNCOURSE_RECORD_DIR": ""})
    assert proc.returncode == 0, proc.stderr[-3000:]
    # every check(...) call prints one "name: passed (...)" line; a conceptual
    # question's, without its key, says that the answer has the right form
    calls = sum(len(re.findall(r"^check\(", src, flags=re.M)) for src in checks)
    assert calls >= len(checks)
    assert len(re.findall(r"^\w+: (passed \(|your answer .* it is marked when)", proc.stdout,
                          flags=re.M)) == calls, proc.stdout


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_missing_toolkit_is_explained_in_one_line(chapter, tmp_path):
    """Outside the course environment the notebook says, in one line, what to install
    and from where, whatever the import failure is."""
    import nbformat
    from autograder import provide
    nb = nbformat.read(REPO / "exercises" / chapter / f"{chapter}.ipynb", as_version=4)
    toolkit = [c.source for c in nb.cells
               if c.metadata.get("nbgrader", {}).get("grade_id") == "toolkit"][0]
    for hide in ("import sys; sys.modules['rnnkit'] = None  # as if not installed\n",
                 "import sys, types; sys.modules['rnnkit.grading'] = types.ModuleType('x')\n"):
        proc = subprocess.run([sys.executable, "-m", "IPython", "--quick", "--no-banner",
                               "--colors=NoColor", "-c", hide + toolkit], cwd=tmp_path,
                              capture_output=True, text=True)
        lines = [ln for ln in (proc.stdout + proc.stderr).strip().splitlines() if ln]
        assert len(lines) == 1, lines
        assert lines[0].startswith("The course's learner kit cannot be imported"), lines
        assert f'pip install "{provide.install_requirement()}"' in lines[0], lines[0]
