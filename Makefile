# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-postgres install lint format typecheck schema migration frontend clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Install, fill an empty database with the demo city and serve it at http://localhost:8000
demo: $(STAMP)
	$(BIN)/grassroots serve --demo --host 0.0.0.0 --port 8000

## Install and run the whole test suite (lint, types, schema drift, tests), then the tests
## again on PostgreSQL (a throwaway cluster, tests/postgres.py) when its server is installed
test: $(STAMP)
	$(BIN)/ruff check backend tests
	$(BIN)/ruff format --check backend tests
	$(BIN)/mypy
	$(BIN)/pytest
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null; then \
	  $(MAKE) --no-print-directory test-postgres; \
	else \
	  echo "PostgreSQL's server is not installed (apt-get install postgresql): no PostgreSQL pass"; \
	fi

## The API and workflow tests on PostgreSQL (tests marked sqlite_only are skipped; the browser
## tests drive the front end, whatever the database, and run in the SQLite pass)
test-postgres: $(STAMP)
	GRASSROOTS_TEST_DB=postgres $(BIN)/pytest --ignore=tests/browser

lint: $(STAMP)
	$(BIN)/ruff check backend tests

format: $(STAMP)
	$(BIN)/ruff check --fix backend tests
	$(BIN)/ruff format backend tests

typecheck: $(STAMP)
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/grassroots export-schema --output schema.graphql

## After a model change: write the next schema migration, e.g. `make migration NAME=add_case_priority`
migration: $(STAMP)
	$(BIN)/grassroots makemigrations $(if $(NAME),--name $(NAME))
	$(BIN)/ruff check --fix --quiet backend/grassroots/migrations
	$(BIN)/ruff format --quiet backend/grassroots/migrations

## Build the front end into frontend/dist (committed; CI fails when it is stale)
frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
