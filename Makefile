# Two commands do all the set-up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint format typecheck schema frontend clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Install, fill an empty database with the demo city and serve it at http://localhost:8000
demo: $(STAMP)
	$(BIN)/grassroots serve --demo --host 0.0.0.0 --port 8000

## Install and run the whole test suite (lint, types, schema drift, tests)
test: $(STAMP)
	$(BIN)/ruff check backend tests
	$(BIN)/ruff format --check backend tests
	$(BIN)/mypy
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check backend tests

format: $(STAMP)
	$(BIN)/ruff check --fix backend tests
	$(BIN)/ruff format backend tests

typecheck: $(STAMP)
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/grassroots export-schema --output schema.graphql

## Build the front end into frontend/dist (committed; CI fails when it is stale)
frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
