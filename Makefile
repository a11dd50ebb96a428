# casework — `make help` lists the commands.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := casework/web/static/vendor
HOST ?= 127.0.0.1
PORT ?= 5000
export CASEWORK_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: help install assets run test lint typecheck test-unit test-sqlite test-postgres test-e2e bench bench-load clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(STAMP): setup.cfg requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the pinned dependencies

$(VENDOR)/.fetched: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk $(VENDOR)/moj
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/assets
	cp node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.css node_modules/@ministryofjustice/frontend/moj/moj-frontend.min.js $(VENDOR)/moj/
	cp -r node_modules/@ministryofjustice/frontend/moj/assets $(VENDOR)/moj/assets
	touch $@

assets: $(VENDOR)/.fetched ## Fetch GOV.UK Frontend and MOJ Frontend from npm

run: install assets ## Serve the app on SQLite with demo data (http://127.0.0.1:5000)
	$(BIN)/casework db upgrade
	$(BIN)/casework demo ensure
	$(BIN)/casework run --host $(HOST) --port $(PORT)

lint: install ## ruff, mypy, import-linter, bandit, pip-audit (where reachable)
	$(BIN)/ruff check casework config tests bench migrations
	$(BIN)/ruff format --check casework config tests bench migrations
	$(BIN)/mypy casework config
	$(BIN)/lint-imports --config setup.cfg
	$(BIN)/bandit -q -r casework config -ll
	$(BIN)/python .ci/audit-dependencies

typecheck: install ## mypy (strict on the pure modules and services)
	$(BIN)/mypy casework config

test-unit: install ## Pure rules, no app, no database
	$(BIN)/pytest -q -n auto tests/unit

test-sqlite: install assets ## Services, web, API and migrations on SQLite
	$(BIN)/pytest -q -n auto -m "not postgresql" tests/unit tests/services tests/web tests/api tests/migrations tests/cli tests/resilience

test-postgres: install ## The database suites again on PostgreSQL, and the fault tests ($$CASEWORK_TEST_DATABASE_URL)
	@if [ -z "$$CASEWORK_TEST_DATABASE_URL" ]; then echo "CASEWORK_TEST_DATABASE_URL not set: PostgreSQL suite not run"; \
	  else $(BIN)/pytest -q -n auto --db=postgresql tests/services tests/web tests/api tests/migrations tests/cli tests/resilience; fi

test-e2e: install assets ## Browser journeys (Playwright + axe in Debian's chromium, installed if absent)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(BIN)/pytest -q -p no:xdist tests/e2e

test: lint test-sqlite test-postgres test-e2e ## Lint (with type checks) and every test suite

bench: install assets ## Load 100,000 families into PostgreSQL and measure casework against hello-world (bench/README.md)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/throughput.py $(BENCH_ARGS)

bench-load: install ## Time `casework demo load --families 100000` alone, with counts and checks (bench/README.md)
	$(BIN)/python bench/demo_load.py

clean: ## Remove the virtualenv, fetched assets and caches
	rm -rf $(VENV) node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache
