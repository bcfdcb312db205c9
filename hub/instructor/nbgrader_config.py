"""nbgrader's settings for the instructor's server on the course's JupyterHub.

"One class, one grader" (nbgrader's documentation, "Using nbgrader with JupyterHub"):
the course root lives in the instructor's home and holds its own nbgrader_config.py
(the course's folder names); formgrader, release, collect and feedback work there.
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

hub_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
c.CourseDirectory.root = os.path.expanduser("~/rnn-course")
c.CourseDirectory.course_id = "rnn-course"
c.Exchange.root = os.path.join(hub_dir, "exchange")
