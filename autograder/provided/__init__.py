"""Earlier chapters' reference code, for the notebooks of later chapters.

A later chapter builds on earlier ones (chapter 2's backward pass needs chapter 1's
forward pass and its cache). Its notebook imports them from here, e.g.
``from autograder.provided.ch01 import rnn_forward``. The modules ``chNN.py`` in this
folder are generated from ``solutions/chNN/chNN.ipynb`` by ``make fixtures`` (never
edited by hand; a test checks they are in sync), so the solution notebook stays the one
source of truth and learners need no access to ``solutions/``.
"""
