"""Fast tests of the grading pipeline's parts (no nbgrader run): the record format and
the outside judge, parsing test cells, safe loading, collection layouts, the sandbox's
refusal and its confinement."""
from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from autograder import reference
from rnnkit.checks import CheckFailure
from rnnkit.grading import check
from rnnkit.recording import record_name
from autograder.pipeline import collect
from autograder.pipeline.judge import Instance, Judge, UnjudgeableTest, parse_checks
from autograder.pipeline.sandbox import Limits, Sandbox, SandboxUnavailable, snapshot_package

REPO = Path(__file__).resolve().parent.parent


def test_parse_checks_lists_every_case_instance():
    source = ('check("ch01.softmax", globals())\n### BEGIN HIDDEN TESTS\n'
              'check("ch01.softmax", globals(), seeds=[401, 402], N=1, V=2, big=0.0)\n'
              '### END HIDDEN TESTS\n')
    found = parse_checks(source)
    assert [(i.function, i.seed) for i in found] == [("softmax", 0), ("softmax", 401),
                                                    ("softmax", 402)]
    assert dict(found[1].shape) == {"N": 1, "V": 2, "big": 0.0}
    with pytest.raises(UnjudgeableTest):
        parse_checks('check("ch01.softmax", globals(), seeds=make_seeds())')


def _record(tmp_path, namespace: dict, name: str, **shape) -> Path:
    folder = tmp_path / "rec"
    os.environ["RNNCOURSE_RECORD_DIR"] = str(folder)
    try:
        check(name, namespace, seeds=[0, 7], **shape)  # record mode: never raises
    finally:
        del os.environ["RNNCOURSE_RECORD_DIR"]
    return folder


def _judge(folder: Path, function: str, seeds=(0, 7), **shape):
    judge = Judge("ch01")
    insts = parse_checks(f'check("ch01.{function}", globals(), seeds={list(seeds)}'
                         + "".join(f", {k}={v!r}" for k, v in shape.items()) + ")")
    return judge.judge_cell(f"test_{function}", 1.0, insts, folder)


def test_reference_outputs_pass_the_outside_judge(tmp_path):
    ns = dict(vars(reference.load("ch01")))
    folder = _record(tmp_path, ns, "ch01.rnn_forward", N=1, T=2)
    verdict = _judge(folder, "rnn_forward", N=1, T=2)
    assert verdict.score == 1.0 and verdict.status == "passed", verdict


def test_wrong_outputs_fail_with_the_in_kernel_message(tmp_path):
    ns = dict(vars(reference.load("ch01")))
    ns["softmax"] = lambda scores: np.exp(scores) / np.exp(scores).sum(-1, keepdims=True)
    with np.errstate(all="ignore"):
        folder = _record(tmp_path, ns, "ch01.softmax")
    verdict = _judge(folder, "softmax")
    assert verdict.score == 0 and "contains NaN" in verdict.reason, verdict.reason
    assert "2 of 2 cases failed" in verdict.reason


def test_the_verdict_names_the_catalogued_mistake_it_recognised(tmp_path):
    """The judge records which catalogued mistake a failure matched (for the
    instructor's report to group by), and none for a failure that matches none."""
    from autograder import mistakes
    ref = reference.load("ch01")
    shifted = next(m for m in mistakes.catalogue("ch01", "one_hot") if m.name == "shifted_index")
    ns = {**vars(ref), **shifted.make(ref)}
    verdict = _judge(_record(tmp_path / "a", ns, "ch01.one_hot"), "one_hot")
    assert verdict.status == "failed" and verdict.mistake == "one_hot/shifted_index"
    assert verdict.as_dict()["mistake"] == "one_hot/shifted_index"
    assert shifted.says.split(":")[0] in verdict.reason
    unknown = {**vars(ref), "one_hot": lambda indices, V: ref.one_hot(indices, V) * 2.0}
    verdict = _judge(_record(tmp_path / "b", unknown, "ch01.one_hot"), "one_hot")
    assert verdict.status == "failed" and verdict.mistake == "", verdict.reason
    verdict = _judge(_record(tmp_path / "c", dict(vars(ref)), "ch01.one_hot"), "one_hot")
    assert verdict.status == "passed" and verdict.mistake == ""


def test_in_place_mutation_fails_the_self_check_and_the_judge_alike(tmp_path):
    """A softmax that overwrites its input gets the same message in the learner's
    visible self-check (from the shipped fixture) as from the outside judge."""
    def softmax(scores):
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        return scores
    ns = {**vars(reference.load("ch01")), "softmax": softmax}
    with pytest.raises(CheckFailure, match="softmax changed its input `scores` in place"):
        check("ch01.softmax", ns)
    verdict = _judge(_record(tmp_path, ns, "ch01.softmax"), "softmax")
    assert verdict.score == 0 and "changed its input `scores` in place" in verdict.reason
    check("ch01.softmax", dict(vars(reference.load("ch01"))))  # the reference passes


def test_missing_and_forged_recordings(tmp_path):
    verdict = _judge(tmp_path / "nothing", "one_hot")
    assert verdict.score == 0 and "no result was recorded" in verdict.reason
    folder = tmp_path / "forged"
    folder.mkdir()
    inst = Instance("ch01", "one_hot", 0, (("N", 2), ("T", 3), ("V", 5)))
    (folder / (inst.stem + ".json")).write_text(json.dumps(
        {"function": "one_hot", "seed": 0, "status": "ok", "kinds": {"x": "ndarray:ndarray"},
         "mutated": []}))
    buffer = io.BytesIO()  # an object array: would need pickle to load
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with zipfile.ZipFile(folder / (inst.stem + ".npz"), "w") as zf:
        zf.writestr("x.npy", buffer.getvalue())
    verdict = Judge("ch01").judge_cell("test_one_hot", 1.0, [inst], folder)
    assert verdict.score == 0 and "malformed" in verdict.reason, verdict.reason


def test_record_name_keeps_float_shapes_apart():
    a = record_name("ch01", "softmax", 0, {"big": 1000.0})
    b = record_name("ch01", "softmax", 0, {"big": 1000.5})
    assert a != b and "/" not in a


def test_collect_layouts(tmp_path):
    src = tmp_path / "in"
    (src / "alice" / "ch01").mkdir(parents=True)
    (src / "alice" / "ch01" / "ch01.ipynb").write_text("{}")
    (src / "alice" / "ch01" / "data.txt").write_text("x")
    (src / "bob").mkdir()
    (src / "bob" / "mine.ipynb").write_text("{}")
    (src / "carol_12345_ch01.ipynb").write_text("{}")
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in src.rglob("*"):
            if path.is_file():
                zf.write(path, "export/" + str(path.relative_to(src)))
        zf.writestr("../evil.ipynb", "{}")
    for source in (src, archive):
        out = tmp_path / f"submitted-{source.name}"
        got = collect.collect(source, out, "ch01")
        assert sorted(got) == ["alice", "bob", "carol_12345"]  # the whole name of a flat file
        assert (out / "alice" / "ch01" / "data.txt").exists()
        assert (out / "bob" / "ch01" / "ch01.ipynb").exists()
        assert "mine.ipynb" in got["bob"].notes[0]
        assert (out / "carol_12345" / "ch01" / "ch01.ipynb").exists()
        assert not (tmp_path / "evil.ipynb").exists()


def test_refuses_without_bubblewrap(tmp_path):
    sandbox = Sandbox(tmp_path, Limits())
    sandbox.bwrap = None
    with pytest.raises(SandboxUnavailable, match="--no-sandbox"):
        sandbox.check()


def test_cli_refuses_clearly_when_the_sandbox_cannot_start(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "bwrap").write_text("#!/bin/sh\necho 'No permissions to create new namespace' >&2\n"
                                "exit 1\n")
    (fake / "bwrap").chmod(0o755)
    env = {**os.environ, "PATH": f"{fake}:{Path(sys.executable).parent}:/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "autograder.grade", "ch01", "--root",
                           str(REPO), "-q"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2
    assert "refusing to grade" in proc.stderr and "--no-sandbox" in proc.stderr


def _in_sandbox(tmp_path: Path, script: str, chapter: str | None = None):
    """Run ``script`` in the grading sandbox: (snapshot, work folder, completed process)."""
    lib = snapshot_package(tmp_path / "lib")
    work = tmp_path / "work"
    (work / "sub").mkdir(parents=True)
    argv, env = Sandbox(lib, Limits()).command(work, 3, 4)
    prefix = argv[:argv.index(sys.executable)]
    proc = subprocess.run(prefix + [sys.executable, "-I", "-c", script],
                          capture_output=True, text=True, timeout=120, env=env)
    return lib, work, proc


@pytest.mark.skipif(not Sandbox(Path("."), Limits()).bwrap, reason="bubblewrap missing")
def test_sandbox_confinement(tmp_path):
    """Inside: no solutions, no gradebook, no network, read-only system and submission,
    a writable work area that the host never sees."""
    script = (
        "import os, socket\n"
        f"print(os.path.exists({str(REPO / 'solutions')!r}), "
        f"os.path.exists({str(REPO / 'autograder' / 'gradebook.db')!r}), "
        "os.path.exists('/opt/rnncourse/autograder/reference.py'), "
        "os.path.exists('/opt/rnncourse/rnnkit/grading.py'))\n"
        "try:\n    open('/usr/x', 'w')\nexcept OSError:\n    print('ro')\n"
        "open('written.txt', 'w').write('ok')\n"
        "print(open('/grading/written.txt').read())\n"
        "try:\n    open('/submission/x', 'w')\nexcept OSError:\n    print('ro-submission')\n"
        "try:\n    socket.create_connection(('1.1.1.1', 80), 2)\nexcept OSError:\n"
        "    print('offline')\n")
    lib, work, proc = _in_sandbox(tmp_path, script)
    assert not (lib / "autograder" / "gradebook.db").exists()
    assert proc.stdout.split() == ["False", "False", "False", "True", "ro", "ok",
                                   "ro-submission", "offline"], proc.stderr
    assert not list(work.rglob("written.txt")) and not list(work.rglob("x"))


@pytest.mark.skipif(not Sandbox(Path("."), Limits()).bwrap, reason="bubblewrap missing")
def test_sandbox_has_the_kit_and_no_reference_code(tmp_path):
    """Inside: the kit imports; the instructor's reference loader, judges and the old
    provided modules do not exist there (the snapshot is an allow list)."""
    script = (
        "import importlib, sys\n"
        "sys.path.insert(0, '/opt/rnncourse')\n"
        "import rnnkit.grading, rnnkit.cases.ch04\n"
        "print('kit')\n"
        "for name in ('autograder.reference', 'autograder.instructor', 'autograder.judges',"
        " 'autograder.provided.ch01', 'autograder.pipeline.judge'):\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "        print(name, 'importable')\n"
        "    except ImportError:\n"
        "        print('absent')\n")
    _lib, _work, proc = _in_sandbox(tmp_path, script, "ch03")
    assert proc.stdout.split() == ["kit"] + ["absent"] * 5, proc.stdout + proc.stderr


def _bomb(path: Path, megabytes: int) -> None:
    header = (b"\x93NUMPY\x01\x00v\x00{'descr': '<f8', 'fortran_order': False, "
              + f"'shape': ({megabytes << 17},), }}".encode()).ljust(127) + b"\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("out.npy", "w", force_zip64=True) as member:
            member.write(header)
            zeros = bytes(1 << 20)
            for _ in range(megabytes):
                member.write(zeros)


def test_judge_refuses_decompression_bombs_before_decompressing(tmp_path):
    """A small archive that expands past the cell's cap is refused from its directory,
    and many modest members count together; an honest recording still loads."""
    from autograder.pipeline.recordings import ArrayAllowance, load_npz
    bomb = tmp_path / "bomb.npz"
    _bomb(bomb, 300)
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(CheckFailure, match="larger than the grader accepts"):
        load_npz(bomb, ArrayAllowance())
    # 60 MB members each pass the per-array cap; together they exhaust the cell's cap
    parts = tmp_path / "part.npz"
    _bomb(parts, 60)
    cell = ArrayAllowance()
    loaded = 0
    with pytest.raises(CheckFailure, match="larger than the grader accepts"):
        for _ in range(10):
            load_npz(parts, cell)
            loaded += 1
    assert loaded == 4
    honest = tmp_path / "honest.npz"
    np.savez(honest, y=np.arange(6.0))
    assert load_npz(honest, ArrayAllowance())["y"].tolist() == list(np.arange(6.0))


def test_hidden_tests_travel_as_data_not_source():
    from autograder.pipeline.plan import split_hidden
    source = ('check("ch02.rnn_backward", globals())\n'
              '### BEGIN HIDDEN TESTS\n'
              'check("ch02.rnn_backward", globals(), seeds=[301, 302], N=2, T=3)\n'
              'gradcheck("ch02.rnn_backward", globals(), seed=305, N=2)\n'
              '### END HIDDEN TESTS\n')
    visible, calls = split_hidden(source)
    assert visible == 'check("ch02.rnn_backward", globals())\n'
    assert [(c["fn"], c["name"], ast.literal_eval(c["kwargs"])) for c in calls] == [
        ("check", "ch02.rnn_backward", {"seeds": [301, 302], "N": 2, "T": 3}),
        ("gradcheck", "ch02.rnn_backward", {"seed": 305, "N": 2})]
    # shapes keep their Python types on the way (a tuple is not a list)
    _, calls = split_hidden(source.replace("N=2, T=3", "H=(3,)"))
    assert ast.literal_eval(calls[0]["kwargs"])["H"] == (3,)
    # anything else in the block cannot be sent as data: the caller keeps the source
    for odd in ("x = 1\n", 'check("ch02.f", globals(), seeds=make())\n',
                'check("ch02.f", other)\n', "import os\n"):
        assert split_hidden(source.replace("### END", odd + "### END"))[1] is None
    assert split_hidden("check('ch01.softmax', globals())\n") == (
        "check('ch01.softmax', globals())\n", [])


def test_recordings_leave_as_plain_files_within_a_budget(tmp_path):
    """Runner side: links, FIFOs and folders where recordings go are refused (and
    removed); parent side: names are checked and the notebook's budget holds."""
    import base64
    from autograder.pipeline import channel, runner
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "ch01__ok.json").write_text("{}")
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    (incoming / "ch01__link.json").symlink_to(secret)
    os.mkfifo(incoming / "ch01__fifo.npz")
    (incoming / "ch01__dir.json").mkdir()
    records, refused = runner._collect_records(incoming)
    assert [name for name, _ in records] == ["ch01__ok.json"] and refused
    assert not any(incoming.iterdir()) and secret.read_text() == "host secret"
    budget = channel.Budget(Limits(record_mb=1, record_files=3))
    dest = tmp_path / "rec"
    ok = base64.b64encode(b"{}").decode()
    assert channel.write_records(dest, [["a.json", ok], ["b.json", ok]], budget) == ""
    assert "malformed" in channel.write_records(
        dest, [["../x.json", ok], ["c/d.json", ok], ["e.json", "%%%"]], budget)
    assert not (tmp_path / "x.json").exists() and sorted(p.name for p in dest.iterdir()) \
        == ["a.json", "b.json"]
    assert "budget" in channel.write_records(dest, [["f.json", ok], ["g.json", ok]], budget)
    big = base64.b64encode(bytes(2 << 20)).decode()
    assert "budget" in channel.write_records(dest, [["h.npz", big]],
                                              channel.Budget(Limits(record_mb=1)))
