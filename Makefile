# The course's commands. `make book` and `make test` work on a fresh Debian machine with
# Python 3.11: each creates the environment it needs first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# nbgrader shells out to alembic, jupyter and friends: the venv's bin must be on PATH.
export PATH := $(BIN):$(PATH)
STAMP := $(VENV)/.installed
# Course matrices are small: one BLAS thread per process is faster than two fighting
# over a shared 2-core machine (measured: GRU forward+backward 7x faster).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: env system-deps book test release fixtures lab bench grade clean help

help:
	@echo "make book     build the web book into _build/html (creates the environment)"
	@echo "make test     run the whole test suite (creates the environment)"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make fixtures regenerate the visible self-check fixtures from the reference"
	@echo "make lab      open the course in JupyterLab with nbgrader's learner extension"
	@echo "make grade CHAPTER=ch01 SUBMISSIONS=dir-or.zip [GRADE_FLAGS=--student=alice]"
	@echo "             collect, sandbox, autograde in parallel, feedback, CSV and HTML report"
	@echo "make bench    print the performance tables (book build, grading, LSTM/GRU vs torch)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -m pip install -q -r requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -m pip install -q -e . 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python -c "import nbgrader, jupyter_book, numpy, matplotlib, autograder"
	touch $(STAMP)

env: $(STAMP)

system-deps:
	bash scripts/system-deps.sh

book: env
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html (open _build/html/index.html, or serve it with"
	@echo "  python3 -m http.server -d _build/html 8000  and browse to http://localhost:8000)"

test: env system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

release: env
	for ch in $(or $(CHAPTER),$(notdir $(wildcard solutions/ch[0-9][0-9]))); do \
		$(BIN)/nbgrader generate_assignment --force $$ch || exit 1; \
	done

fixtures: env
	$(BIN)/python -m autograder.fixtures

lab: env
	bash scripts/lab.sh

grade: env system-deps
	$(BIN)/python -m autograder.grade $(CHAPTER) $(SUBMISSIONS) $(GRADE_FLAGS)

bench: env
	$(BIN)/python -m pip install -q -r benchmarks/requirements.txt 2>&1 | grep -v '^WARNING: Location' || true
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf _build autograder/submitted autograder/autograded autograder/feedback autograder/reports autograder/.scratch
