"""The instructor's grading pipeline: sandboxed, parallel, judged outside the kernel.

``python -m autograder.grade ch01 SUBMISSIONS`` (see ``docs/grading.md``) runs it:

- ``collect``: submissions (a folder or a zip) into nbgrader's submitted folder;
- ``nbgrader_steps``: nbgrader's own sanitising, gradebook, feedback and export;
- ``sandbox`` + ``execute`` (parent side) and ``runner`` + ``canary`` (inside the
  sandbox): run each notebook in bubblewrap, cell by cell, recording the learner's
  outputs on the hidden tests' inputs;
- ``judge``: a clean process compares the recordings with the reference and decides
  every graded cell's score;
- ``report``: the instructor's HTML report;
- ``cli``: the command that ties them together.
"""
