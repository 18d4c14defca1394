# Task runner for the course. `make start` opens the course; `make test` runs every test.
# Both create the virtual environment in .venv and fetch the data first if that is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed
DEV_STAMP := $(VENV)/.dev-installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Two workers (pytest-xdist); the root conftest.py keeps each file, and notebooks 06 to 12, on
# one worker in order. `make test WORKERS=0` runs everything in this process instead.
WORKERS ?= 2
PARALLEL := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS))
LINTED := conftest.py course_utils tests benchmarks tools notebooks
FORMATTED := conftest.py course_utils tests benchmarks tools

.PHONY: start start-zh test lint hooks setup data execute student site browser bench help

help:
	@echo "make start    set up if needed, then open JupyterLab on notebooks/00_start_here.ipynb"
	@echo "make start-zh the same, on the Chinese edition: notebooks/zh/00_start_here.ipynb (中文版)"
	@echo "make test     set up if needed, then lint and run every test (unit, hygiene, browser, nbval)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make hooks    install the lint as git pre-commit hooks, and nbdime's notebook diffs"
	@echo "make execute  re-execute every notebook in place (fresh kernel, cells in order)"
	@echo "make student  write the student version of the notebooks to student/"
	@echo "              (NBGRADER=1: nbgrader source notebooks in student/nbgrader/)"
	@echo "make site     build the static HTML site in site/ from the stored outputs"
	@echo "make bench    run the benchmark scripts in benchmarks/"

# JupyterLab refuses to run as root (in a Docker container, say) unless it is told it may.
USER_ID ?= $(shell id -u)
ROOT_FLAG := $(if $(filter 0,$(USER_ID)),--allow-root,)

start: setup
	@$(if $(ROOT_FLAG),echo "Running as root (a container?): JupyterLab starts with --allow-root.",true)
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/00_start_here.ipynb

# The Chinese edition (notebooks/zh/, written by `python -m tools.translate build`).
start-zh: setup
	$(BIN)/jupyter lab $(ROOT_FLAG) notebooks/zh/00_start_here.ipynb

test: setup $(DEV_STAMP) browser lint
	$(BIN)/python -m pytest $(NBVAL) $(PARALLEL)

lint: $(DEV_STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(FORMATTED)

# Git hooks that run the lint before each commit, and readable `git diff` of notebooks.
hooks: $(DEV_STAMP)
	$(BIN)/pre-commit install
	$(BIN)/nbdime config-git --enable

# The browser tests (tests/test_browser.py) drive the system's chromium; install it if missing.
browser:
	@bash tools/ensure_chromium.sh

setup: $(STAMP)
	$(BIN)/python -m course_utils.data fetch

# tools/supported.py refuses a Python or platform the course does not support, saying why,
# and names this platform's constraints file: the exact versions the stored outputs come from.
CONSTRAINTS = $$($(PYTHON) tools/supported.py)

$(STAMP): pyproject.toml $(wildcard constraints/*.txt)
	@$(PYTHON) tools/supported.py >/dev/null
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e . -c $(CONSTRAINTS)
	touch $(STAMP)

# The tests' and the authors' tools (the `test` and `dev` extras): `make start` skips them.
$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,dev]" -c $(CONSTRAINTS)
	touch $(DEV_STAMP)

execute: setup
	$(BIN)/python -m tools.notebooks execute $(NB)

# `make student NBGRADER=1` writes nbgrader source notebooks to student/nbgrader/ instead.
student: setup
	$(BIN)/python -m tools.notebooks student $(if $(NBGRADER),--nbgrader --out student/nbgrader,--out student)

site: setup
	$(BIN)/python -m tools.site build --out site

bench: setup
	$(BIN)/python benchmarks/run_all.py
