"""Stands in, inside the grading sandbox, for ``autograder/provided/chNN.py`` of the
chapter being graded and of every later chapter (bubblewrap binds this file over them).

Those modules are the reference code of the chapter under test: a submission that
imports them, directly or through a wrapper, would be graded on the course's answers
instead of its own. Earlier chapters' modules stay importable, as the notebooks need.
"""
raise ImportError(
    f"{__name__} is not available while this chapter is graded: it holds the course's "
    "reference code for this chapter (or a later one). Your notebook must define these "
    "functions itself; only earlier chapters' code may be imported from "
    "autograder.provided.")
