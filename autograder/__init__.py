"""The instructor's side of the open RNN course (never installed by learners).

- ``autograder.reference``: the reference implementations, loaded from ``solutions/``;
- ``autograder.instructor``: reference outputs and judges for the kit's ``check``
  (found by the kit through the ``rnnkit.instructor`` entry point);
- ``autograder.judges``: judges that hold reference-grade code (independent
  implementations, evaluation of trained parameters);
- ``autograder.provide``: the "Provided code" cells of later chapters' notebooks;
- ``autograder.fixtures``: the visible self-checks' expected outputs, shipped in the kit;
- ``autograder.pipeline``: the sandboxed grading pipeline (``python -m autograder.grade``).

The learner kit is ``rnnkit`` (``kit/``); this package may import it, never the reverse.
"""
