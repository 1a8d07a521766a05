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

lint: install
	$(BIN)/python -m pip install --quiet ruff
	$(BIN)/ruff check wiki tests

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info

# search benchmark: 20,000 generated pages; PostgreSQL too when BENCH_DATABASE_URL is set
bench-search: install
	$(BIN)/python tests/bench/search_bench.py --pages $(or $(PAGES),20000)
