"""A whole course round on the real JupyterHub of `make hub`, driven in Chromium.

`make hub` (scripts/hub.sh) starts JupyterHub with PAM authentication against three
local accounts it creates (rnn-instructor, rnn-learner1, rnn-learner2), each server
running as its own user from the learners' environment (the learner kit, JupyterLab 4,
nbgrader), with nbgrader's exchange. Playwright drives Debian's chromium through the
hub's login page:

1. the instructor generates and releases ch01 in formgrader;
2. each learner fetches it in the Assignments tab, writes answers into the notebook
   (learner 1 the reference answers, learner 2 the same with a wrong softmax) and
   submits;
3. the instructor collects in formgrader, `make hub-grade` grades with the sandboxed
   pipeline (nbgrader's submitted folder), the instructor releases feedback;
4. each learner fetches their feedback and opens it: their own scores and reasons, no
   hidden-test source;
5. the instructor sees every score in formgrader, scores learner 2's written answer
   (written_ch01) by hand with a comment, and exports the grades with `nbgrader export` in a JupyterLab terminal.

Then, from a kernel in learner 1's server: it runs as rnn-learner1 on the kit's
environment, and cannot read learner 2's home, the exchange's inbound and feedback
listings, the course root (solutions, gradebook) or this clone's solutions/.
`make hub-stop` runs at the end even when a step fails; it must leave no process of the
course accounts and no account behind.
"""
from __future__ import annotations

import csv
import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from conftest import CHROMIUM
from course import REPO, answer_cells, autograded_points, mutant_source, solution_sources

pytestmark = [pytest.mark.hub, pytest.mark.slow, pytest.mark.browser,
              pytest.mark.xdist_group("hub")]

HUB_DIR = Path(os.environ.get("RNNHUB_DIR", "/srv/rnn-course-hub"))
STATE = HUB_DIR / "state"
INSTRUCTOR, LEARNERS = "rnn-instructor", ("rnn-learner1", "rnn-learner2")
COURSE = Path("/home") / INSTRUCTOR / "rnn-course"
SCREENSHOTS = REPO / "_build" / "screenshots"
VIEW = {"width": 1280, "height": 900}
WRONG = ("softmax", "no_normalisation")   # learner 2's mistake: a mutant kept as data
WRITTEN = "written_ch01"                  # the manually graded written answer
WRITTEN_ANSWER = ("Sharing the weights lets one small set of parameters read sentences of "
                  "any length, and what it learns at one position holds at every other.")
MANUAL_SCORE = 2.0
BUTTON_WAIT = 120_000


def _make(*target: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(["make", "--no-print-directory", *target], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def _course_processes() -> list[str]:
    users = [u for u in (INSTRUCTOR, *LEARNERS) if _account(u)]
    if not users:
        return []
    out = subprocess.run(["ps", "-o", "pid=,user=,args=", "-u", ",".join(users)],
                         capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if line.strip()]


def _account(user: str):
    try:
        return pwd.getpwnam(user)
    except KeyError:
        return None


@pytest.fixture(scope="module")
def hub():
    if os.geteuid() != 0:
        pytest.skip("make hub creates Unix accounts: run the suite as root (CI does)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps` (Debian's chromium)")
    if (STATE / "hub.pid").exists():
        pytest.fail(f"a hub from `make hub` is running ({STATE}): run `make hub-stop` first")
    started = time.monotonic()
    proc = _make("hub", timeout=1800)
    try:
        assert proc.returncode == 0, f"make hub failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        env = dict(line.split("=", 1) for line in
                   (STATE / "hub.env").read_text().splitlines())
        passwords = dict(line.split() for line in (STATE / "passwords").read_text().splitlines())
        yield {"url": env["RNNHUB_URL"], "passwords": passwords,
               "start_s": time.monotonic() - started}
    finally:
        stop = _make("hub-stop", timeout=300)
        assert stop.returncode == 0, f"make hub-stop failed:\n{stop.stdout}{stop.stderr}"
        assert not _course_processes(), "make hub-stop left processes running"
        left = [u for u in (INSTRUCTOR, *LEARNERS) if _account(u)]
        assert not left, f"make hub-stop left the accounts {left}"
        assert not any(Path("/home", u).exists() for u in (INSTRUCTOR, *LEARNERS))
        assert not STATE.exists()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"hub-{name}.png")


def _login(browser, hub, user: str):
    context = browser.new_context(viewport=VIEW)
    context.set_default_timeout(BUTTON_WAIT)
    page = context.new_page()
    page.goto(hub["url"] + "hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", hub["passwords"][user])
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**")
    page.locator(".jp-LauncherCard").first.wait_for()
    return page


def _formgrader_action(page, hub, assignment: str, icon: str, expect: str) -> str:
    """Click one of formgrader's per-assignment buttons; returns the dialog's text."""
    page.goto(hub["url"] + f"user/{INSTRUCTOR}/formgrader")
    row = page.locator("tr", has=page.locator("td a", has_text=re.compile(f"^{assignment}$")))
    row.locator(f".glyphicon-{icon}").click()
    dialog = page.locator("#success-modal, #error-modal").first
    dialog.wait_for()
    text = dialog.inner_text()
    assert expect in text, f"formgrader's {icon} button: {text[:3000]}"
    return text


def _assignments_tab(page):
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Assignment List").click()
    panel = page.locator("#nbgrader-assignment-list")
    panel.wait_for()
    return panel


def _written_cell(nb) -> int:
    return next(i for i, c in enumerate(nb.cells)
                if c.metadata.get("nbgrader", {}).get("grade_id") == WRITTEN)


def _write_answers(page, user: str, answers: dict[str, str], written: str | None) -> None:
    """Open the fetched notebook and type each answer into its cell, then save."""
    page.goto(page.url.split("/lab")[0] + "/lab/tree/ch01/ch01.ipynb")
    cells = page.locator(".jp-Notebook .jp-Cell")
    cells.first.wait_for()
    release = nbformat.read(REPO / "exercises" / "ch01" / "ch01.ipynb", as_version=4)
    for gid, index in answer_cells(release).items():
        editor = cells.nth(index).locator(".cm-content")
        editor.scroll_into_view_if_needed()
        editor.click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(answers[gid])
        page.keyboard.press("Escape")
    if written:
        cell = cells.nth(_written_cell(release))
        cell.scroll_into_view_if_needed()
        cell.dblclick()   # a rendered markdown cell opens its editor
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+A")
        page.keyboard.insert_text(written)
        page.keyboard.press("Escape")
    page.keyboard.press("Control+S")
    saved = Path("/home", user, "ch01", "ch01.ipynb")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        nb = nbformat.read(saved, as_version=4)
        if all(nb.cells[i].source == answers[g] for g, i in answer_cells(release).items()) \
                and (not written or nb.cells[_written_cell(release)].source == written):
            return
        time.sleep(0.5)
    pytest.fail(f"{user}'s answers typed in the browser were not saved to {saved}")


PROBE = r'''
import getpass, json, os, sys, rnnkit
def reach(path):
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        return "read"
    except PermissionError:
        return "denied"
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return type(exc).__name__
print("PROBE " + json.dumps({"user": getpass.getuser(), "python": sys.executable,
      "rnnkit": rnnkit.__file__, "paths": {p: reach(p) for p in PATHS}}))
'''


def _run_probe(page, user: str, paths: list[str]) -> dict:
    """A notebook on the kit's kernel in the learner's own server, run from the browser."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "rnn-course", "display_name": "RNN course (rnnkit)",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(f"PATHS = {paths!r}\n" + PROBE)]
    base = page.url.split("/lab")[0]
    xsrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_xsrf")
    answer = page.request.put(f"{base}/api/contents/probe.ipynb",
                              data=json.dumps({"type": "notebook", "format": "json",
                                               "content": json.loads(nbformat.writes(nb))}),
                              headers={"X-XSRFToken": xsrf, "Content-Type": "application/json"})
    assert answer.ok, answer.text()
    page.goto(f"{base}/lab/tree/probe.ipynb")
    cell = page.locator(".jp-Notebook .jp-Cell:visible", has_text="PROBE").first
    cell.wait_for()
    # run it once the kernel is up: a cell run before the session connects is dropped
    page.get_by_text(re.compile(r"RNN course \(rnnkit\) \| Idle")).first.wait_for()
    output = page.locator(".jp-OutputArea-output", has_text="PROBE")
    for attempt in range(3):
        cell.locator(".cm-content").click()
        page.keyboard.press("Control+Enter")
        try:
            output.wait_for(timeout=40_000)
            break
        except Exception:
            if attempt == 2:
                _shot(page, f"6-isolation-{user}")
                raise
    _shot(page, f"6-isolation-{user}")
    return json.loads(output.inner_text().split("PROBE", 1)[1])


@pytest.fixture(scope="module")
def course_round(hub, browser):
    """Steps 1 to 5; returns what each step showed, for the tests below to judge."""
    seen = {"timings": {"make hub": hub["start_s"]}}
    for old in SCREENSHOTS.glob("hub-*.png"):   # a failed step leaves no stale picture
        old.unlink()
    started = time.monotonic()
    references = solution_sources("ch01")
    wrong = dict(references)
    wrong[WRONG[0]] = mutant_source("ch01", WRONG[0],
                                    REPO / "tests" / "mutants" / "ch01" / f"{WRONG[0]}__{WRONG[1]}.patch",
                                    references)
    answers = {LEARNERS[0]: references, LEARNERS[1]: wrong}

    # 1. The instructor generates and releases chapter 1.
    t = time.monotonic()
    teacher = _login(browser, hub, INSTRUCTOR)
    _formgrader_action(teacher, hub, "ch01", "education", "Successfully created the student version")
    _formgrader_action(teacher, hub, "ch01", "cloud-upload", "Successfully released")
    _shot(teacher, "1-released")
    seen["timings"]["1 release"] = time.monotonic() - t

    # 2. Each learner fetches, works and submits in their own JupyterLab.
    t = time.monotonic()
    learners = {}
    for user in LEARNERS:
        page = learners[user] = _login(browser, hub, user)
        panel = _assignments_tab(page)
        panel.locator("#released_assignments_list").get_by_role("button", name="Fetch").click()
        panel.locator("#fetched_assignments_list .list_item").first.wait_for()
        _shot(page, f"2-fetched-{user}")
        _write_answers(page, user, answers[user], WRITTEN_ANSWER if user == LEARNERS[1] else None)
        _shot(page, f"2-answers-{user}")
        panel = _assignments_tab(page)
        panel.locator("#fetched_assignments_list").get_by_role("button", name="Submit").click()
        panel.locator("#submitted_assignments_list .list_item").first.wait_for()
        _shot(page, f"2-submitted-{user}")
    seen["timings"]["2 fetch, answer, submit"] = time.monotonic() - t

    # 3. Collect in formgrader, grade with the pipeline, release feedback.
    t = time.monotonic()
    _formgrader_action(teacher, hub, "ch01", "cloud-download", "Successfully collected submissions")
    g = time.monotonic()
    graded = _make("hub-grade", "CHAPTER=ch01", "GRADE_FLAGS=-q")
    seen["timings"]["make hub-grade"] = time.monotonic() - g
    assert graded.returncode == 0, f"make hub-grade failed:\n{graded.stdout[-3000:]}{graded.stderr[-3000:]}"
    seen["verdicts"] = {u: json.loads((COURSE / "autograder" / "reports" / "ch01" / "verdicts"
                                      / f"{u}.json").read_text()) for u in LEARNERS}
    seen["owners"] = {p.owner() for p in (COURSE / "autograder").rglob("*")}
    _formgrader_action(teacher, hub, "ch01", "envelope", "Successfully released feedback of")
    _shot(teacher, "3-feedback-released")
    seen["timings"]["3 collect, grade, release feedback"] = time.monotonic() - t

    # 4. Each learner fetches their feedback and opens it.
    t = time.monotonic()
    seen["feedback"] = {}
    for user, page in learners.items():
        panel = _assignments_tab(page)
        panel.locator("#submitted_assignments_list").get_by_role(
            "button", name="Fetch Feedback").click()
        link = panel.locator("#submitted_assignments_list a", has_text="view feedback").first
        link.wait_for()
        _shot(page, f"4-feedback-fetched-{user}")
        link.click()   # the file browser goes to ch01/feedback/<timestamp>/
        page.locator(".jp-DirListing-item", has_text="ch01.html").dblclick()
        frame = page.frame_locator(".jp-HTMLViewer iframe")
        frame.locator("body").get_by_text("Score:").first.wait_for()
        _shot(page, f"4-feedback-{user}")
        seen["feedback"][user] = {"text": frame.locator("body").inner_text(),
                                  "html": frame.locator("html").inner_html()}
    seen["timings"]["4 fetch feedback"] = time.monotonic() - t

    # 5. Formgrader: every score; a manual score and comment; export.
    t = time.monotonic()
    teacher.goto(hub["url"] + f"user/{INSTRUCTOR}/formgrader/manage_submissions/ch01")
    teacher.locator("td", has_text=LEARNERS[1]).first.wait_for()
    teacher.wait_for_timeout(1000)
    _shot(teacher, "5-submissions")
    seen["submissions_page"] = teacher.locator("table").first.inner_text()
    teacher.goto(hub["url"] + f"user/{INSTRUCTOR}/formgrader/manage_students/{LEARNERS[1]}/ch01")
    teacher.locator("a[href*='/formgrader/submissions/']").first.click()
    # formgrader's page is ready once its script has put the auto score as placeholder
    score = teacher.locator(f"input.score#{WRITTEN}")
    score.wait_for()
    teacher.locator(f"input.score#test_{WRONG[0]}[placeholder]").wait_for()   # script ran
    teacher.wait_for_load_state("networkidle")
    score.scroll_into_view_if_needed()
    score.fill(str(MANUAL_SCORE))
    score.blur()   # formgrader saves on change
    comment = teacher.locator(f"textarea#{WRITTEN}-comment")
    comment.fill("Right about length and positions; say also what the state adds over a convolution.")
    comment.blur()
    teacher.wait_for_load_state("networkidle")
    teacher.wait_for_timeout(1000)
    _shot(teacher, "5-manual-grade")
    seen["formgrade_text"] = teacher.locator("body").inner_text()   # hidden tests shown
    seen["timings"]["5 formgrader"] = time.monotonic() - t

    t = time.monotonic()
    seen["export"] = _export_in_terminal(teacher, hub)
    seen["timings"]["5 export"] = time.monotonic() - t

    t = time.monotonic()
    probe_paths = [f"/home/{LEARNERS[1]}", f"/home/{LEARNERS[1]}/ch01/ch01.ipynb",
                   f"/home/{LEARNERS[1]}/ch01/feedback",
                   str(HUB_DIR / "exchange" / "rnn-course" / "inbound"),
                   str(HUB_DIR / "exchange" / "rnn-course" / "feedback"),
                   str(COURSE), str(COURSE / "solutions" / "ch01" / "ch01.ipynb"),
                   str(COURSE / "autograder" / "gradebook.db"),
                   str(REPO / "solutions" / "ch01" / "ch01.ipynb"), str(STATE / "passwords")]
    own = f"/home/{LEARNERS[0]}/ch01/ch01.ipynb"   # the control: the probe can read
    seen["probe"] = _run_probe(learners[LEARNERS[0]], LEARNERS[0], [own, *probe_paths])
    request = learners[LEARNERS[0]].request
    seen["learner_http"] = {
        "own formgrader": request.get(hub["url"] + f"user/{LEARNERS[0]}/formgrader").status,
        # through JupyterHub's OAuth: the hub refuses learner 1 the instructor's server
        "instructor's server": request.get(
            hub["url"] + f"user/{INSTRUCTOR}/api/contents/rnn-course").status}
    seen["timings"]["6 isolation probe"] = time.monotonic() - t
    seen["timings"]["whole round (1-6)"] = time.monotonic() - started
    print("\nhub round timings (s): " + json.dumps(
        {k: round(v, 1) for k, v in seen["timings"].items()}))
    return seen


def _export_in_terminal(page, hub) -> list[dict]:
    """`nbgrader export` typed into a terminal of the instructor's JupyterLab."""
    page.goto(hub["url"] + f"user/{INSTRUCTOR}/lab")
    page.locator(".jp-LauncherCard").first.wait_for()
    page.locator(".jp-LauncherCard[title^='Start a new terminal']").click()
    page.locator(".jp-Terminal .xterm").first.wait_for()
    page.locator(".jp-Terminal .xterm").first.click()
    page.keyboard.type("cd ~/rnn-course && nbgrader export && echo EXPORT-DONE\n")
    out = COURSE / "grades.csv"
    deadline = time.monotonic() + 90
    while not out.exists() and time.monotonic() < deadline:
        time.sleep(1)
    page.wait_for_timeout(1000)
    _shot(page, "5-export-terminal")
    assert out.exists(), "nbgrader export in the instructor's terminal wrote no grades.csv"
    assert out.owner() == INSTRUCTOR
    with out.open() as f:
        return list(csv.DictReader(f))


# --- What each step showed ----------------------------------------------------------

def test_the_pipeline_graded_both_submissions(course_round):
    verdicts = course_round["verdicts"]
    right, wrong = ({g: c for g, c in verdicts[u]["cells"].items() if g.startswith("test_")}
                    for u in LEARNERS)
    assert set(right) == set(autograded_points("ch01")), right   # every autograded cell
    assert all(c["score"] == c["points"] for c in right.values()), right
    assert wrong[f"test_{WRONG[0]}"]["score"] == 0, wrong[f"test_{WRONG[0]}"]
    assert wrong[f"test_{WRONG[0]}"]["status"] == "failed"
    assert not any(v.get("tampering") for v in verdicts.values())
    assert course_round["owners"] == {INSTRUCTOR}, "grading left files the instructor does not own"


def _hidden_test_lines(solution) -> list[str]:
    hidden = []
    for cell in solution.cells:
        block = re.search(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS",
                          cell.source, re.S)
        if block:
            hidden += [ln.strip() for ln in block.group(1).splitlines() if ln.strip()]
    return hidden


def test_each_learner_sees_their_own_scores_and_reasons_without_hidden_tests(course_round):
    solution = nbformat.read(REPO / "solutions" / "ch01" / "ch01.ipynb", as_version=4)
    hidden = _hidden_test_lines(solution)
    assert hidden, "the solution notebook has no hidden tests to look for"
    # the control: the same search finds them where they are shown, in formgrader
    assert any(ln in course_round["formgrade_text"] for ln in hidden), \
        "the hidden tests' lines are not found even in formgrader's page"
    total = sum(c.metadata.nbgrader["points"] for c in solution.cells
                if c.metadata.get("nbgrader", {}).get("grade"))
    # the written answer waits for the instructor: the code parts are what is graded
    auto_total = total - next(c.metadata.nbgrader["points"] for c in solution.cells
                              if c.metadata.get("nbgrader", {}).get("grade_id") == WRITTEN)
    for user, feedback in course_round["feedback"].items():
        text, page = feedback["text"], feedback["html"]
        leaked = [ln for ln in hidden if ln in text or ln in page]
        assert not leaked, f"{user}'s feedback shows hidden tests: {leaked[:3]}"
        assert "BEGIN HIDDEN TESTS" not in page
        other = [u for u in LEARNERS if u != user][0]
        assert other not in page, f"{user}'s feedback names {other}"
        score = re.search(r"Score:\s*([\d.]+)\s*/\s*([\d.]+)", text)
        assert score, f"{user}'s feedback shows no score:\n{text[:2000]}"
        assert float(score.group(2)) == total
        if user == LEARNERS[0]:
            assert float(score.group(1)) == auto_total, text[:2000]
        else:
            assert float(score.group(1)) < auto_total, text[:2000]
            assert f"{WRONG[0]}:" in text, f"no reason for the wrong {WRONG[0]}:\n{text[:4000]}"


def test_formgrader_shows_every_score_and_the_export_has_the_manual_grade(course_round):
    table = course_round["submissions_page"]
    for user in LEARNERS:
        assert user in table, table
    rows = {r["student_id"]: r for r in course_round["export"] if r["assignment"] == "ch01"}
    assert set(rows) == set(LEARNERS), rows
    for user in LEARNERS:
        auto = sum(c["score"] for g, c in course_round["verdicts"][user]["cells"].items()
                   if g.startswith("test_"))
        # the instructor's score of learner 2's written answer counts in the export
        expected = auto + (MANUAL_SCORE if user == LEARNERS[1] else 0)
        assert float(rows[user]["raw_score"]) == pytest.approx(expected), rows[user]
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{COURSE / 'autograder' / 'gradebook.db'}") as gb:
        comment = gb.find_comment(WRITTEN, "ch01", "ch01", LEARNERS[1])
        assert comment.manual_comment.startswith("Right about length and positions")
        grade = gb.find_grade(WRITTEN, "ch01", "ch01", LEARNERS[1])
        assert grade.manual_score == MANUAL_SCORE


def test_learner_servers_run_as_their_users_on_the_kit(course_round):
    probe = course_round["probe"]
    assert probe["user"] == LEARNERS[0]
    assert probe["python"].startswith(str(HUB_DIR / "learn"))
    assert probe["rnnkit"].startswith(str(HUB_DIR / "learn"))


def test_a_learner_cannot_read_what_is_not_theirs(course_round):
    reached = dict(course_round["probe"]["paths"])
    assert reached.pop(f"/home/{LEARNERS[0]}/ch01/ch01.ipynb") == "read"
    problems = {p: r for p, r in reached.items() if r != "denied"}
    assert not problems, f"learner 1 could reach (or did not find) these: {problems}"


def test_a_learner_has_no_instructor_tools_nor_the_instructors_server(course_round):
    http = course_round["learner_http"]
    assert http["own formgrader"] == 404, http
    assert http["instructor's server"] == 403, http
