# Task runner for the course. `make start` opens the course; `make test` runs every test.
# Both create the virtual environment in .venv and fetch the data first if that is missing.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.course-installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

.PHONY: start test setup data execute student site browser bench help

help:
	@echo "make start    set up if needed, then open JupyterLab on notebooks/00_start_here.ipynb"
	@echo "make test     set up if needed, then run every test (unit, hygiene, browser, nbval)"
	@echo "make execute  re-execute every notebook in place (fresh kernel, cells in order)"
	@echo "make student  write the student version of the notebooks to student/"
	@echo "make site     build the static HTML site in site/ from the stored outputs"
	@echo "make bench    run the benchmark scripts in benchmarks/"

start: setup
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: setup browser
	$(BIN)/python -m pytest $(NBVAL)

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

execute: setup
	$(BIN)/python -m tools.notebooks execute $(NB)

student: setup
	$(BIN)/python -m tools.notebooks student --out student

site: setup
	$(BIN)/python -m tools.site build --out site

bench: setup
	$(BIN)/python benchmarks/run_all.py
