"""What a cluster task carries of a submission (``cluster.pack``): the notebook and
the files beside it within the same budget as on one machine, no links, and a
notebook too large to send rejected with a note saying what to do. Fast: no cluster."""
from __future__ import annotations

import os

import pytest

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


# ------------------------------------------------ the prepared folder, back from a worker
def test_a_prepared_folder_travels_as_its_files_and_modes(tmp_path):
    from autograder.pipeline.cluster import materialise, pack_folder
    folder = tmp_path / "prepared"
    (folder / "data").mkdir(parents=True)
    (folder / "ch01.ipynb").write_text("{}")
    (folder / "data" / "table.csv").write_text("a,b\n")
    for path in (folder / "ch01.ipynb", folder / "data" / "table.csv"):
        path.chmod(0o444)
    files = pack_folder(folder, 1 << 20)
    assert files == {"ch01.ipynb": (b"{}", 0o444), "data/table.csv": (b"a,b\n", 0o444)}
    dest = tmp_path / "course" / "alice"
    materialise(files, dest, 1 << 20)
    assert pack_folder(dest, 1 << 20) == files


@pytest.mark.parametrize("make", ["link", "fifo", "large"])
def test_a_prepared_folder_with_links_special_files_or_too_large_stays(tmp_path, make):
    from autograder.pipeline.cluster import UnsafeFolder, pack_folder
    folder = tmp_path / "prepared"
    folder.mkdir()
    (folder / "ch01.ipynb").write_bytes(b"x" * 1000)
    if make == "link":
        os.symlink("/etc/hostname", folder / "secret.txt")
    elif make == "fifo":
        os.mkfifo(folder / "pipe")
    with pytest.raises(UnsafeFolder):
        pack_folder(folder, 999 if make == "large" else 1 << 20)


@pytest.mark.parametrize("rel", ["../escape.txt", "/tmp/abs.txt", "a//b", "./a", "a/../../b",
                                 "a\\..\\b", "nul\0byte"])
def test_the_main_process_writes_no_file_outside_the_folder(tmp_path, rel):
    from autograder.pipeline.cluster import UnsafeFolder, materialise
    dest = tmp_path / "course" / "alice"
    with pytest.raises(UnsafeFolder):
        materialise({"ok.txt": (b"1", 0o644), rel: (b"2", 0o644)}, dest, 1 << 20)
    assert [p for p in tmp_path.rglob("*") if p.is_file() and dest not in p.parents] == []


def test_the_main_process_checks_the_size_again_and_strips_special_modes(tmp_path):
    from autograder.pipeline.cluster import UnsafeFolder, materialise
    with pytest.raises(UnsafeFolder):
        materialise({"a": (b"x" * 600, 0o644), "b": (b"x" * 600, 0o644)},
                    tmp_path / "big", 1000)
    materialise({"run": (b"#!/bin/sh\n", 0o4755)}, tmp_path / "modes", 1000)
    assert (tmp_path / "modes" / "run").stat().st_mode & 0o7777 == 0o755


def test_a_stale_folder_is_replaced_and_a_path_through_a_file_refused(tmp_path):
    from autograder.pipeline.cluster import UnsafeFolder, materialise
    dest = tmp_path / "course" / "alice"
    dest.mkdir(parents=True)
    os.symlink(tmp_path, dest / "sub")   # left there: removed, never written through
    materialise({"sub/x": (b"1", 0o644)}, dest, 1000)
    assert not (dest / "sub").is_symlink() and not (tmp_path / "x").exists()
    with pytest.raises((UnsafeFolder, FileExistsError)):
        materialise({"x": (b"1", 0o644), "x/y": (b"2", 0o644)}, dest, 1000)
