# credbridge: `make run` runs the product on its embedded defaults; `make test` runs every check.
# Both set themselves up from a clean clone: a virtual environment in .venv, dependencies from
# pyproject.toml, reinstalled whenever pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
CREDBRIDGE_BASE_URL ?= http://$(HOST):$(PORT)
export CREDBRIDGE_BASE_URL

.DEFAULT_GOAL := help
.PHONY: help install run test lint types imports pytest bench clean chromium

help: ## Show the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP) ## Make the virtual environment and install dependencies

run: $(STAMP) ## Migrate the SQLite database, load the demo district and demo LMS, serve on http://127.0.0.1:8000
	$(BIN)/credbridge db upgrade
	$(BIN)/credbridge demo
	CREDBRIDGE_DEMO=1 $(BIN)/credbridge serve --host $(HOST) --port $(PORT)

lint: $(STAMP) ## ruff
	$(BIN)/ruff check lti_tool connectors tests bench
	$(BIN)/ruff format --check lti_tool connectors tests bench

types: $(STAMP) ## mypy strict on lti_tool and connectors
	$(BIN)/mypy

imports: $(STAMP) ## import-linter contracts (docs: ARCHITECTURE.md)
	$(BIN)/lint-imports

chromium: ## Debian's Chromium at /usr/bin/chromium for the browser tests (apt-get, never a download)
	sh scripts/ensure-chromium.sh

pytest: $(STAMP) chromium ## the pytest suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/pytest -q

test: lint types imports pytest ## Every check: lint, types, import rules, tests

bench: $(STAMP) ## Benchmarks; results are written into BENCHMARKS.md
	$(BIN)/python -m bench
	$(BIN)/python -m bench.badges
	$(BIN)/python -m bench.lti
	$(BIN)/python -m bench.roster --teachers 5000 --students 100000 --enrollments 1000000 --write
	$(BIN)/python -m bench.canvas --write
	$(BIN)/python -m bench.credit --write
	$(BIN)/python -m bench.delivery --write

clean: ## Remove the virtual environment and caches (keeps instance/)
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache
