"""Write a mutant as a patch against the reference answer cell (see README.md here).

    python tests/mutants/make_patch.py start CHAPTER FUNCTION > wrong.py
        print the reference answer cell of FUNCTION (markers removed) under a header
        template; edit the code to put one mistake in, and fill in the header

    python tests/mutants/make_patch.py write CHAPTER FUNCTION NAME wrong.py [--force]
        write tests/mutants/CHAPTER/FUNCTION__NAME.patch: the file's leading '#' lines
        as the header, then the diff from the current reference to the rest of the file

    python tests/mutants/make_patch.py show tests/mutants/CHAPTER/FUNCTION__NAME.patch
        print the mutant's source as the tests see it (header, then the patched
        reference): the place to start when a mutant needs a change

    python tests/mutants/make_patch.py rebase [--since REV] [PATCH ...]
        after an edit of the reference, carry over every mutant (or the ones given) that
        no longer applies: the patch is applied to the reference at REV (default HEAD,
        the last commit) and the reference's edit merged in; where the edit touches the
        lines a mutant changes, it says so and that mutant must be redone by hand

Run with the authors' venv (.venv/bin/python) from anywhere.
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import nbformat  # noqa: E402

import mutant_patches  # noqa: E402
from course import CHAPTERS, REPO, mutant_source, solution_sources  # noqa: E402

PLACEHOLDERS = ("<what is wrong", "<words every message")
TEMPLATE = ("# Wrong: <what is wrong, as a sentence; more '#' lines if needed>\n"
            "# Names: <words every message must contain, separated by ;> (see README.md)\n")


def _reference(chapter: str, function: str) -> str:
    if chapter not in CHAPTERS:
        raise SystemExit(f"unknown chapter {chapter!r}; the chapters are {CHAPTERS}")
    references = solution_sources(chapter)
    if function not in references:
        raise SystemExit(f"{chapter} has no answer cell {function!r}; its graded "
                         f"functions are {sorted(references)}")
    return references[function]


def start(chapter: str, function: str) -> str:
    return TEMPLATE + _reference(chapter, function) + "\n"


def write(chapter: str, function: str, name: str, edited: Path, out: Path | None = None,
          force: bool = False) -> Path:
    """Write the patch of ``edited`` (header lines, then the wrong code) and return its
    path; refuses a mutant that does not change the code or cannot be parsed."""
    if not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", name):
        raise SystemExit(f"mutant name {name!r}: use lower-case words joined by single "
                         "underscores, such as missing_bias")
    reference = _reference(chapter, function)
    lines = edited.read_text(encoding="utf-8").splitlines()
    k = 0
    while k < len(lines) and lines[k].startswith("#"):
        k += 1
    header, body = lines[:k], "\n".join(lines[k:])
    if not header or not header[0].startswith("# Wrong:"):
        raise SystemExit(f"{edited}: start the file with a '# Wrong: ...' line that says "
                         "what is wrong (the header lines are kept as the mutant's notes)")
    if any(p in ln for p in PLACEHOLDERS for ln in header):
        raise SystemExit(f"{edited}: fill in or delete the template's <...> header lines")
    try:
        changed = mutant_patches.code_of(body) != mutant_patches.code_of(reference)
    except SyntaxError as err:
        raise SystemExit(f"{edited}: the code does not parse ({err}); a mutant must be "
                         "valid Python that the grader runs") from None
    if not changed:
        raise SystemExit(f"{edited}: the code is the reference's (only comments, layout or "
                         "docstrings differ); put the mistake in the code")
    patch = mutant_patches.make(reference, body, header, f"reference {chapter} {function}",
                                f"mutant {chapter} {function}__{name}")
    if mutant_patches.apply(reference, patch) != "\n".join(header + body.splitlines()) + "\n":
        raise SystemExit(f"{edited}: the patch does not give back the file; please report "
                         "this as a bug in tests/mutant_patches.py")
    path = (out or HERE / chapter) / f"{function}__{name}.patch"
    if path.exists() and not force:
        raise SystemExit(f"{path} exists: pick another name, or pass --force to replace it")
    path.write_text(patch, encoding="utf-8")
    return path


def show(path: Path) -> str:
    path = path.resolve()
    chapter, function = path.parent.name, path.stem.partition("__")[0]
    _reference(chapter, function)
    return mutant_source(chapter, function, path)


def rebase(paths: list[Path], since: str = "HEAD") -> tuple[list[Path], list[str]]:
    """Carry the patches that no longer apply over from the reference at git revision
    ``since``; returns (rewritten patches, problems left for the author)."""
    rewritten, problems, old = [], [], {}
    for path in paths:
        path = path.resolve()
        chapter, function = path.parent.name, path.stem.partition("__")[0]
        current = _reference(chapter, function)
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(REPO) if path.is_relative_to(REPO) else path)
        try:
            mutant_patches.apply(current, text, where)
            continue  # still applies: nothing to do
        except mutant_patches.PatchDoesNotApply:
            pass
        if chapter not in old:
            notebook = f"solutions/{chapter}/{chapter}.ipynb"
            shown = subprocess.run(["git", "show", f"{since}:{notebook}"], cwd=REPO,
                                   capture_output=True, text=True)
            if shown.returncode != 0:
                raise SystemExit(f"git cannot show {notebook} at {since}: "
                                 f"{shown.stderr.strip()}")
            old[chapter] = solution_sources(chapter,
                                            nbformat.reads(shown.stdout, as_version=4))
        if function not in old[chapter]:
            problems.append(f"{where}: {chapter} had no answer cell {function!r} at {since}")
            continue
        try:
            patch = mutant_patches.rebase(old[chapter][function], current, text, where)
        except mutant_patches.PatchDoesNotApply as err:
            problems.append(f"{where}: it does not apply at {since} either; pass the "
                            f"revision it was made on with --since.\n{err}")
            continue
        except mutant_patches.RebaseConflict as err:
            problems.append(str(err))
            continue
        body = mutant_patches.apply(current, patch, where)
        if mutant_patches.code_of(body) == mutant_patches.code_of(current):
            problems.append(f"{where}: after the reference's edit the mutant is the "
                            "reference: the edit took its mistake away; delete or redo it")
            continue
        path.write_text(patch, encoding="utf-8")
        rewritten.append(path)
    return rewritten, problems


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("start", help="print a reference answer cell to edit")
    p.add_argument("chapter")
    p.add_argument("function")
    p = sub.add_parser("write", help="write the patch of an edited copy")
    p.add_argument("chapter")
    p.add_argument("function")
    p.add_argument("name")
    p.add_argument("edited", type=Path)
    p.add_argument("--force", action="store_true", help="replace an existing patch")
    p.add_argument("--out", type=Path, help="folder to write to (default: "
                   "tests/mutants/CHAPTER)")
    p = sub.add_parser("show", help="print a mutant's source as the tests see it")
    p.add_argument("patch", type=Path)
    p = sub.add_parser("rebase", help="carry mutants over an edit of the reference")
    p.add_argument("patches", type=Path, nargs="*",
                   help="the patches to carry over (default: every one that no longer "
                   "applies)")
    p.add_argument("--since", default="HEAD", help="the git revision whose reference the "
                   "patches were made against (default: HEAD)")
    args = parser.parse_args(argv)
    if args.command == "start":
        sys.stdout.write(start(args.chapter, args.function))
    elif args.command == "write":
        path = write(args.chapter, args.function, args.name, args.edited, args.out,
                     args.force)
        where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        print(f"wrote {where}; check that the grader catches it with "
              f"`pytest tests/test_mutants.py` and `pytest tests/test_chapters.py -k "
              f"{args.chapter}`")
    elif args.command == "show":
        sys.stdout.write(show(args.patch))
    else:
        paths = args.patches or sorted(HERE.glob("ch*/*.patch"))
        rewritten, problems = rebase(paths, args.since)
        for path in rewritten:
            print(f"carried over {path.relative_to(REPO)}")
        print(f"{len(rewritten)} carried over, {len(problems)} to redo by hand")
        if problems:
            print("\n\n".join(problems), file=sys.stderr)
            raise SystemExit(1)


if __name__ == "__main__":
    main()
