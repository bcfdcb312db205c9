"""The learner kit of the open RNN course (what runs in a learner's kernel).

- ``rnnkit.grading``: ``check(...)`` and ``gradcheck(...)``, called by the notebooks'
  test cells; beside it ``rnnkit.expected`` (where expected outputs come from),
  ``rnnkit.recording`` and ``rnnkit.record_format`` (record mode, for the sandboxed
  grading) and ``rnnkit.attribution`` (whose failure it is, and the message);
- ``rnnkit.checks``: array comparison and finite-difference gradient checks, with
  messages a learner can act on;
- ``rnnkit.cases``: the cases of every graded function (inputs, calls, comparison);
- ``rnnkit.data``: the course's data sets (generated, or shipped in ``corpora/``);
- ``rnnkit.course``: the course manifest (chapters, naming rules, tolerances);
- ``rnnkit.i18n``: the messages in the learner's language (``RNNCOURSE_LANG``, else the
  notebook's ``metadata.rnncourse.language``, else English), from ``locale/``.

The kit holds no reference answers and never imports the instructor's ``autograder``
package. Expected outputs of the visible checks ship in ``fixture_data/``; hidden cases
are judged at grading time, by the instructor's side.
"""
__version__ = "0.2.0"
