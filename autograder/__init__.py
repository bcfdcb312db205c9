"""Grading machinery and checking toolkit of the open RNN course.

- ``autograder.checks``: array comparison and finite-difference gradient checks.
- ``autograder.cases``: the test cases of every graded function, one module per chapter.
- ``autograder.grading``: ``check(...)``, called by visible and hidden test cells.
- ``autograder.reference``: the reference implementations, loaded from ``solutions/``.
"""
