"""The web book builds warning-free, every chapter page has figures drawn at build time,
and the reference code, solutions and grading machinery stay out of the site."""
from __future__ import annotations

import re

import pytest

from conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("book")]


def chapter_pages():
    return sorted((REPO / "book").glob("ch[0-9][0-9]_*.md"))


def test_book_builds_without_warnings(built_book):
    assert (built_book / "index.html").exists()


@pytest.mark.parametrize("page", [p.stem for p in chapter_pages()])
def test_chapter_page_has_code_made_figures_and_maths(built_book, page):
    html = (built_book / "book" / f"{page}.html").read_text(encoding="utf-8")
    figures = re.findall(r'<img[^>]+src="[^"]*_images/[0-9a-f]{20,}\.png"', html)
    assert len(figures) >= 2, f"{page}: fewer than two figures drawn at build time"
    assert "math notranslate" in html, f"{page}: no rendered maths"
    assert "Traceback" not in html and "Error" not in re.sub(r"<[^>]+>", "", html)[:0]


def test_exercise_pages_are_readable_and_downloadable(built_book):
    for nb in sorted((REPO / "exercises").glob("*/*.ipynb")):
        rel = nb.relative_to(REPO).with_suffix(".html")
        html = (built_book / rel).read_text(encoding="utf-8")
        assert "YOUR CODE HERE" in html, f"{rel}: stub code not shown"
        assert (built_book / "_sources" / nb.relative_to(REPO)).exists(), (
            f"{rel}: no downloadable .ipynb source")


def test_solutions_and_grader_are_not_in_the_site(built_book):
    site = [p.relative_to(built_book).as_posix() for p in built_book.rglob("*")]
    assert not [p for p in site if p.startswith(("solutions", "autograder", "tests"))]
    text = "\n".join(p.read_text(errors="ignore") for p in built_book.rglob("*.html"))
    assert "BEGIN SOLUTION" not in text and "HIDDEN TESTS" not in text
    # nor the written answers' rubric (solutions/written_answers*.md), in either language
    assert "A full answer says" not in text and "完整的回答应当说明" not in text


# --- Figures: numbered captions and alt text (issue 19) ---------------------------------

import sys  # noqa: E402
from html.parser import HTMLParser  # noqa: E402

sys.path.insert(0, str(REPO / "book" / "_ext"))
import course_site  # noqa: E402  (the build's own rule for alt text)


class _Figures(HTMLParser):
    """Every image of a page with the figure it sits in: id, caption number and text."""

    def __init__(self):
        super().__init__()
        self.images, self._figure, self._in_caption, self._in_number = [], None, 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "figure":
            self._figure = {"id": attrs.get("id"), "number": "", "caption": ""}
        elif tag == "figcaption" and self._figure is not None:
            self._in_caption += 1
        elif tag == "span" and "caption-number" in (attrs.get("class") or ""):
            self._in_number += 1
        elif tag == "img":
            self.images.append({"src": attrs.get("src", ""), "alt": attrs.get("alt"),
                                "figure": self._figure})

    def handle_endtag(self, tag):
        if tag == "figure":
            self._figure = None
        elif tag == "figcaption" and self._in_caption:
            self._in_caption -= 1
        elif tag == "span" and self._in_number:
            self._in_number -= 1

    def handle_data(self, data):
        if self._figure is not None and self._in_caption:
            self._figure["caption"] += data
            if self._in_number:
                self._figure["number"] += data


def page_figures(html: str) -> list[dict]:
    parser = _Figures()
    parser.feed(html)
    return [i for i in parser.images if "_images/" in i["src"]]


@pytest.mark.parametrize("page", [p.stem for p in chapter_pages()])
def test_chapter_figures_are_numbered_captioned_and_described(built_book, page):
    html = (built_book / "book" / f"{page}.html").read_text(encoding="utf-8")
    figures = page_figures(html)
    assert figures, f"{page}: no figure drawn at build time"
    for image in figures:
        name = f"{page}: {image['src']}"
        figure = image["figure"]
        assert figure and figure["id"], f"{name} is not in a named figure"
        assert re.fullmatch(r"Fig\. \d+", figure["number"].strip()), (
            f"{name}: caption not numbered ({figure['number']!r})")
        assert len(figure["caption"].split()) >= 12, f"{name}: caption {figure['caption']!r}"
        problem = course_site.alt_text_problem(image["alt"], image["src"])
        assert problem is None, f"{name} {problem}"


def test_the_five_diagrams_of_issue_19_are_in_the_book(built_book):
    expected = {"ch01_rnn_basics": ["fig-ch01-concatenated", "fig-ch01-folded-unrolled"],
                "ch04_lstm": ["fig-ch04-variants"], "ch05_gru": ["fig-ch05-gru-reset"],
                "ch07_seq2seq": ["fig-ch07-attention-step"]}
    for page, names in expected.items():
        html = (built_book / "book" / f"{page}.html").read_text(encoding="utf-8")
        ids = {i["figure"]["id"] for i in page_figures(html) if i["figure"]}
        for name in names:
            assert name in ids, f"{page}: diagram {name} missing"
            assert f'href="#{name}"' in html, f"{page}: the text never refers to {name}"
    # the concatenated form was checked against the reference's step when the page ran
    html = (built_book / "book" / "ch01_rnn_basics.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    differences = re.findall(
        r"rnn_step_forward:\s+largest difference (\d\.\de[-+]\d+)", text)
    assert differences and float(differences[0]) < 1e-12, differences


def test_build_warns_about_figures_without_alt_text_or_caption(monkeypatch):
    """The build-time check (book/_ext/course_site.py) has teeth: under -W each of these
    warnings fails the build."""
    from docutils import nodes

    warned = []
    monkeypatch.setattr(course_site.logger, "warning",
                        lambda message, **kwargs: warned.append(message))

    def figure(image, caption="A caption that says what the figure shows."):
        children = [image] + ([nodes.caption("", caption)] if caption else [])
        return nodes.figure("", *children)

    described = "Line chart of three curves that fall at different rates over sixty steps"
    good = figure(nodes.image(uri="_images/good.png", alt=described))
    hashed = figure(nodes.image(uri="_images/0d8456.png", alt="_images/0d8456.png"))
    no_alt = figure(nodes.image(uri="_images/noalt.png"))
    terse = figure(nodes.image(uri="_images/terse.png", alt="a plot"))
    uncaptioned = figure(nodes.image(uri="_images/nocap.png", alt=described), caption=None)
    loose = nodes.image(uri="_images/loose.png", alt=described)
    course_site.check_figures(None, nodes.section("", good), "book/ch00")
    assert warned == []
    course_site.check_figures(
        None, nodes.section("", hashed, no_alt, terse, uncaptioned, loose), "book/ch00")
    assert len(warned) == 5, warned
    for uri, words in [("0d8456", "file name"), ("noalt", "no alt text"),
                       ("terse", "too short"), ("nocap", "not in a captioned figure"),
                       ("loose", "not in a captioned figure")]:
        assert any(uri in w and words in w for w in warned), (uri, warned)
