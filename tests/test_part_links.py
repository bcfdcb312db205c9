"""Every graded part of every exercise notebook links the book section it builds on
(how_to_learn.md promises it): a "Builds on:" line under the part's title with links to
book pages and headings that exist. The book build (-W, myst_heading_anchors) checks
that the anchors resolve; this test checks that no part lacks the line and that every
link names a real page and heading, without building the book."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from myst_parser.mdit_to_docutils.base import default_slugify

REPO = Path(__file__).resolve().parent.parent
LINK = re.compile(r"\]\(\.\./\.\./book/([\w]+\.md)#([^)\s]+)\)")


def headings(page: Path) -> set[str]:
    # myst's slug is made of a heading's text and inline code, without its maths
    return {default_slugify(re.sub(r"\$[^$]*\$", "", m.group(1)))
            for m in re.finditer(r"^#{1,4} (.+)$", page.read_text(encoding="utf-8"), re.M)}


def parts(nb_path: Path):
    nb = nbformat.read(nb_path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.match(r"## Part \d+", cell.source):
            yield cell.source


@pytest.mark.parametrize("nb_path", sorted((REPO / "solutions").glob("*/*.ipynb")),
                         ids=lambda p: p.stem)
def test_every_part_links_the_section_it_builds_on(nb_path):
    found = list(parts(nb_path))
    assert found, f"{nb_path.name}: no parts found"
    for source in found:
        title = source.splitlines()[0]
        builds_on = [line for line in source.splitlines()[1:4] if line.startswith("*Builds on:*")]
        assert builds_on, f"{nb_path.name}, {title!r}: no 'Builds on:' line under the title"
        links = LINK.findall(builds_on[0])
        assert links, f"{nb_path.name}, {title!r}: 'Builds on:' without a link to a book section"
        for page, anchor in links:
            assert (REPO / "book" / page).exists(), f"{nb_path.name}, {title!r}: no page {page}"
            assert anchor in headings(REPO / "book" / page), (
                f"{nb_path.name}, {title!r}: {page} has no heading with the anchor #{anchor}")


def test_a_missing_or_wrong_link_is_caught(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Part 1: something (1 point)\n\nNo link here."),
                nbformat.v4.new_markdown_cell(
                    "## Part 2: other (1 point)\n\n*Builds on:* "
                    "[x](../../book/ch02_bptt.md#no-such-heading).")]
    path = tmp_path / "chXX.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="no 'Builds on:' line"):
        test_every_part_links_the_section_it_builds_on(path)
    nb.cells = nb.cells[1:]
    nbformat.write(nb, path)
    with pytest.raises(AssertionError, match="no heading with the anchor #no-such-heading"):
        test_every_part_links_the_section_it_builds_on(path)
