"""``python -m autograder.grade ASSIGNMENT [SUBMISSIONS]``: the instructor's grading
command (sandboxed, parallel, judged outside the learner's kernel). See
``autograder/pipeline/cli.py`` and ``docs/grading.md``."""
import sys

from autograder.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
