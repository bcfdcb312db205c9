"""Instructor-only judges, one module per chapter (``chNN.py`` with a ``JUDGES`` dict:
function name -> ``judge(got, expected)``).

A judge belongs here, not in the kit's cases, when it holds code that could pass a
learner's check or that is a chapter's reference: an independent implementation (the
gate-by-gate LSTM), or an evaluation of trained parameters with the reference forward
pass. The kit's case keeps a judge of its own for the visible self-check, which uses
only what the learner's notebook computed; this one replaces it at grading time.
"""
