"""nbgrader's folders mapped onto this repository (run nbgrader from the repo root).

solutions/  -> source (notebooks with solution regions and hidden tests)
exercises/  -> release (generated from solutions/, committed)
autograder/ -> submitted, autograded, feedback and the gradebook (all gitignored)
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

here = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = here
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = os.path.join("autograder", "submitted")
c.CourseDirectory.autograded_directory = os.path.join("autograder", "autograded")
c.CourseDirectory.feedback_directory = os.path.join("autograder", "feedback")
# The gradebook: SQLite in autograder/ (embedded, the default), or the database that
# RNNCOURSE_DB_URL names, e.g. PostgreSQL from scripts/postgres.sh (docs/grading.md).
c.CourseDirectory.db_url = (os.environ.get("RNNCOURSE_DB_URL")
                            or "sqlite:///" + os.path.join(here, "autograder", "gradebook.db"))
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.npz.tmp"]

# Learners' code must not hang the grader; chapter notebooks run in seconds.
c.ExecutePreprocessor.timeout = 60
c.Execute.timeout = 60
# A deleted test cell is put back from the gradebook copy at grading time.
c.OverwriteCells.add_missing_cells = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
