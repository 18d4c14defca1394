# Task runner for the course. `make start` opens the course; `make test` runs every test.
# Both create the virtual environment in .venv and fetch the data first if that is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed
DEV_STAMP := $(VENV)/.dev-installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
# Two workers (pytest-xdist); the root conftest.py keeps each file, and notebooks 06 to 11, on
# one worker in order. `make test WORKERS=0` runs everything in this process instead.
WORKERS ?= 2
PARALLEL := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS))
LINTED := conftest.py course_utils tests benchmarks tools notebooks
FORMATTED := conftest.py course_utils tests benchmarks tools

.PHONY: start test lint hooks setup data execute student site browser bench help

help:
	@echo "make start    set up if needed, then open JupyterLab on notebooks/00_start_here.ipynb"
	@echo "make test     set up if needed, then lint and run every test (unit, hygiene, browser, nbval)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make hooks    install the lint as git pre-commit hooks, and nbdime's notebook diffs"
	@echo "make execute  re-execute every notebook in place (fresh kernel, cells in order)"
	@echo "make student  write the student version of the notebooks to student/"
	@echo "make site     build the static HTML site in site/ from the stored outputs"
	@echo "make bench    run the benchmark scripts in benchmarks/"

start: setup
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: setup browser lint
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

$(STAMP): pyproject.toml
	@$(PYTHON) -c "import sys; sys.exit(0 if sys.version_info >= (3, 11) else 'The course needs Python 3.11 or newer; found ' + sys.version.split()[0])"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

# The authors' and tests' tools (the `dev` extra of pyproject.toml): `make start` skips them.
$(DEV_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP)

execute: setup
	$(BIN)/python -m tools.notebooks execute $(NB)

student: setup
	$(BIN)/python -m tools.notebooks student --out student

site: setup
	$(BIN)/python -m tools.site build --out site

bench: setup
	$(BIN)/python benchmarks/run_all.py
