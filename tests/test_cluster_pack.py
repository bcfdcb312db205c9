"""What a cluster task carries of a submission (``cluster.pack``): the notebook and
the files beside it within the same budget as on one machine, no links, and a
notebook too large to send rejected with a note saying what to do. Fast: no cluster."""
from __future__ import annotations

import os

from autograder.pipeline.cluster import pack
from autograder.pipeline.sandbox import Limits


def test_pack_sends_the_notebook_and_regular_files_only(tmp_path):
    folder = tmp_path / "alice" / "ch01"
    (folder / "data").mkdir(parents=True)
    (folder / "ch01.ipynb").write_text("{}")
    (folder / "helper.py").write_text("x = 1\n")
    (folder / "data" / "table.csv").write_text("a,b\n")
    os.symlink("/etc/hostname", folder / "link.txt")
    sub = pack(folder, "ch01", Limits())
    assert sub.student == "alice" and sub.notebook == b"{}" and not sub.rejected
    assert sub.files == {"helper.py": b"x = 1\n", "data/table.csv": b"a,b\n"}
    assert "1 file(s) submitted beside the notebook were not available" in sub.left_out


def test_pack_refuses_links_and_oversized_notebooks(tmp_path):
    folder = tmp_path / "bob" / "ch01"
    folder.mkdir(parents=True)
    os.symlink("/etc/hostname", folder / "ch01.ipynb")
    assert pack(folder, "ch01", Limits()).rejected == "'ch01.ipynb' is a link, not a notebook."
    (folder / "ch01.ipynb").unlink()
    (folder / "ch01.ipynb").write_bytes(b" " * ((1 << 20) + 1))
    sub = pack(folder, "ch01", Limits(submission_mb=1))
    assert sub.notebook is None and "larger than 1 MB" in sub.rejected
    assert "clear its outputs" in sub.rejected
    assert pack(tmp_path / "carol" / "ch01", "ch01", Limits()).notebook is None  # missing
