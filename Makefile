# CoWiki — `make run` serves the demo, `make test` runs the suite. Both work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
export FLASK_APP = wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test e2e bench bench-search lint install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# reinstall when the dependency list changes
$(VENV)/.installed: setup.cfg | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/flask setup
	$(BIN)/flask seed-demo
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# browser journeys: Debian's Chromium (installed with apt-get when missing), Playwright, axe-core
$(VENV)/.installed-e2e: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test,e2e]"
	touch $@

tests/e2e/node_modules/axe-core/axe.min.js:
	cd tests/e2e && npm install --no-audit --no-fund --silent --no-save axe-core@4

e2e: $(VENV)/.installed-e2e tests/e2e/node_modules/axe-core/axe.min.js
	sh tests/ensure-debian-package.sh chromium
	COWIKI_E2E=1 $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check wiki tests

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# load benchmark: seeds a fresh database, serves with gunicorn.conf.py, drives it with wrk and
# writes bench-results/report.md and .json. `make bench DATABASE_URL=postgresql://…` runs it on
# PostgreSQL (that database's tables are dropped first: only a DATABASE_URL given on the make
# command line is used, never one from the environment). Sizes and duration via BENCH_ARGS,
# e.g. BENCH_ARGS="--pages 2000 --votes 20000 --duration 3".
BENCH_DB_ARG = $(if $(filter command line,$(origin DATABASE_URL)),--database-url $(DATABASE_URL))

bench: install
	sh tests/ensure-debian-package.sh wrk
	$(BIN)/python tests/bench/run.py $(BENCH_DB_ARG) $(BENCH_ARGS)
# search benchmark: 20,000 generated pages; PostgreSQL too when BENCH_DATABASE_URL is set
bench-search: install
	$(BIN)/python tests/bench/search_bench.py --pages $(or $(PAGES),20000)
