"""The instructor's grading pipeline: sandboxed, parallel, judged outside the kernel.

``python -m autograder.grade ch01 SUBMISSIONS`` (see ``docs/grading.md``) runs it. Its
rooms, in the order a submission meets them:

- ``collect``: submissions (a folder or a zip) into nbgrader's submitted folder;
- ``inspection`` (+ ``copies``, ``repairs``): reject what is not a notebook of the
  assignment, resolve copied cells, put back what nbgrader will, sanitise;
- ``plan``: the cells the sandbox runs (``RunCell``: learner code, canary probes, a
  graded cell's hidden checks as data);
- ``sandbox`` + ``execute`` + ``channel`` (parent side) and ``runner`` +
  ``runner_shell`` + ``canary`` (inside the sandbox): run each notebook in bubblewrap,
  cell by cell, recording the learner's outputs on the hidden tests' inputs;
- ``judge`` + ``recordings``: a clean process reads the recordings back and compares
  them with the reference; ``grader_error``: a bug in the course's own code is named
  as such; ``verdicts``: every graded cell's score, reason and shown outputs;
- ``worker``: all of that for one submission, in a worker process fed by a
  ``WorkerContext``;
- ``nbgrader_steps`` (+ ``nbgrader_fast``): nbgrader's own sanitising, gradebook,
  feedback and export; ``gradebook_db``: which database holds the gradebook (SQLite, or
  PostgreSQL shared by concurrent rounds); ``clean`` + ``safe_markdown``: no learner
  HTML or JavaScript reaches the instructor's browser;
- ``run`` (+ ``progress``): the round; ``report``: the instructor's HTML report;
  ``cli``: the command;
- after the round, read-only: ``lms`` (grades as Canvas's and Moodle's import CSV) and
  ``similarity`` + ``similarity_report`` (learners' answers compared pairwise).
"""
