# The course's commands. `make book` and `make test` work on a fresh Debian machine with
# Python 3.11: each creates the environment it needs first.
#
# Two environments, for two audiences:
# - .venv        the authors' and instructors' (book build, tests, grading): `make dev`
# - .venv-learn  a learner's (the kit, JupyterLab 4, nbgrader's Validate): `make env`
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
LEARN := .venv-learn
LEARN_BIN := $(CURDIR)/$(LEARN)/bin
KERNEL := rnn-course
# nbgrader shells out to alembic, jupyter and friends: the venv's bin must be on PATH.
export PATH := $(BIN):$(PATH)
STAMP := $(VENV)/.installed
LEARN_STAMP := $(LEARN)/.installed
CHAPTERS = $(shell $(BIN)/python -m rnnkit.course chapters)
# Course matrices are small: one BLAS thread per process is faster than two fighting
# over a shared 2-core machine (measured: GRU forward+backward 7x faster).
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1

.PHONY: env dev system-deps book kit test test-fast release fixtures lab bench grade translations \
        clean clean-grading help postgres postgres-stop hub hub-stop hub-grade

help:
	@echo "make env      a learner's environment: the kit, JupyterLab 4, nbgrader's Validate,"
	@echo "              and a Jupyter kernel named '$(KERNEL)' (in .venv-learn)"
	@echo "make lab      open the exercises in JupyterLab as a learner (uses make env)"
	@echo "make book     build the web book into _build/html, with the kit's wheel"
	@echo "make test     run the whole test suite (creates the authors' environment)"
	@echo "make kit      build the learner kit's wheel into _build/kit"
	@echo "make translations  re-extract the pages' text and the kit's messages, merge them into the catalogues (docs/translating.md)"
	@echo "make release  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make fixtures regenerate the generated cells and the self-check fixtures"
	@echo "make grade CHAPTER=ch01 SUBMISSIONS=dir-or.zip [GRADE_FLAGS=--student=alice]"
	@echo "             collect, sandbox, autograde in parallel, feedback, CSV and HTML report"
	@echo "             (GRADE_FLAGS=--cluster=tcp://HOST:8786 runs the notebooks on a Dask cluster: docs/grading.md)"
	@echo "make export LMS=canvas|moodle CHAPTER=ch01 [EXPORT_FLAGS=--per-question]  grades as the LMS's import CSV"
	@echo "make similarity CHAPTER=ch01 [SIMILARITY_FLAGS=--threshold=0.6]  similar answers, pairwise (after grading)"
	@echo "make postgres [RNNCOURSE_PG_DIR=dir]  start the course's PostgreSQL server for the gradebook and"
	@echo "              print its URL (export RNNCOURSE_DB_URL=...); make postgres-stop stops it"
	@echo "make bench    print the performance tables (book build, grading, LSTM/GRU vs torch)"
	@echo "make hub      a real course on JupyterHub on 127.0.0.1: accounts rnn-instructor, rnn-learner1,"
	@echo "              rnn-learner2 (passwords in a root-only file), nbgrader's exchange, formgrader (needs root)"
	@echo "make hub-grade CHAPTER=ch01  grade what the hub's instructor collected, with the sandboxed pipeline"
	@echo "make hub-stop stop the hub and everything it started, delete its accounts and their homes"
	@echo "make clean    remove build output (never submissions, feedback or the gradebook)"
	@echo "make clean-grading   remove submissions, feedback, reports and the gradebook (asks)"

$(STAMP): requirements.txt pyproject.toml kit/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements.txt
	$(PIP) install -e ./kit -e .
	$(BIN)/python -c "import nbgrader, jupyter_book, numpy, matplotlib, rnnkit, autograder"
	touch $(STAMP)

dev: $(STAMP)

$(LEARN_STAMP): kit/pyproject.toml
	test -x $(LEARN_BIN)/python || $(PYTHON) -m venv $(LEARN)
	$(LEARN_BIN)/python -m pip --disable-pip-version-check -q install --upgrade pip
	$(LEARN_BIN)/python -m pip --disable-pip-version-check -q install -e "./kit[lab]"
	$(LEARN_BIN)/python -m ipykernel install --user --name $(KERNEL) \
		--display-name "RNN course (rnnkit)"
	$(LEARN_BIN)/python -c "import rnnkit.grading, nbgrader, jupyterlab"
	touch $(LEARN_STAMP)
	@echo "Kernel '$(KERNEL)' registered: pick 'RNN course (rnnkit)' in Jupyter, VS Code or Anaconda."

env: $(LEARN_STAMP)

system-deps:
	bash scripts/system-deps.sh

kit: dev
	rm -rf _build/kit && mkdir -p _build/kit
	$(PIP) wheel --no-deps --no-build-isolation ./kit -w _build/kit
	@ls -l _build/kit

book: dev
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python scripts/i18n.py build
	@echo "The book is in _build/html, its Chinese edition in _build/html/zh (open _build/html/index.html, or serve it with"
	@echo "  python3 -m http.server -d _build/html 8000  and browse to http://localhost:8000)"

translations: dev
	$(BIN)/python scripts/i18n.py update
	@$(BIN)/python scripts/i18n.py status | tail -3

test: dev system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup

test-fast: dev
	$(BIN)/python -m pytest -n 2 -m "not slow" -q --durations=5

release: dev
	for ch in $(or $(CHAPTER),$(CHAPTERS)); do \
		$(BIN)/nbgrader generate_assignment --force $$ch || exit 1; \
	done
	$(BIN)/python scripts/i18n.py notebooks

fixtures: dev
	$(BIN)/python -m autograder.fixtures

lab: env
	bash scripts/lab.sh

grade: dev system-deps
	$(BIN)/python -m autograder.grade $(CHAPTER) $(SUBMISSIONS) $(GRADE_FLAGS)

.PHONY: export
export: dev
	$(BIN)/python -m autograder.export $(LMS) $(CHAPTER) $(EXPORT_FLAGS)

.PHONY: similarity
similarity: dev
	$(BIN)/python -m autograder.similarity $(CHAPTER) $(SIMILARITY_FLAGS)

# The gradebook on PostgreSQL (docs/grading.md): a cluster in autograder/postgres or $RNNCOURSE_PG_DIR.
postgres: system-deps
	bash scripts/postgres.sh start

postgres-stop:
	bash scripts/postgres.sh stop

bench: dev
	$(PIP) install -r benchmarks/requirements.txt
	$(BIN)/python benchmarks/bench.py

hub: system-deps
	bash scripts/hub.sh start

hub-grade: dev system-deps
	bash scripts/hub.sh grade $(CHAPTER) $(GRADE_FLAGS)

hub-stop:
	bash scripts/hub.sh stop

# Build output only: learners' submissions, feedback and the gradebook stay.
clean:
	rm -rf _build autograder/.scratch

clean-grading:
	@read -r -p "Delete every submission, autograded notebook, feedback, report and the gradebook under autograder/? Type yes: " answer; \
	[ "$$answer" = yes ] || { echo "Nothing deleted."; exit 1; }
	rm -rf autograder/submitted autograder/autograded autograder/feedback autograder/reports \
		autograder/gradebook.db autograder/.scratch
