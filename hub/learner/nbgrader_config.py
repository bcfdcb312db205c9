"""nbgrader's settings for every learner's server on the course's JupyterHub.

The Assignments tab (nbgrader's assignment_list extension) fetches from and submits to
the exchange beside this folder ($HUB_DIR/exchange), for the one course the hub runs.
"""
import os

c = get_config()  # noqa: F821 (provided by traitlets when nbgrader loads this file)

hub_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
c.CourseDirectory.course_id = "rnn-course"
c.Exchange.root = os.path.join(hub_dir, "exchange")
# Fetched assignments and feedback go under the learner's home (the server's root).
c.Exchange.assignment_dir = os.path.expanduser("~")
