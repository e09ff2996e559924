# The two commands: `make run` (the product with a demo company on http://127.0.0.1:8000)
# and `make test` (lint, types, import contracts, tests on SQLite and PostgreSQL).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint format typecheck contracts pytest migrations-check bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: install
	$(BIN)/valuecenter bootstrap --preset wholesale --customers 5000 --seed 1
	$(BIN)/valuecenter serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

typecheck: install
	$(BIN)/mypy

contracts: install
	$(BIN)/lint-imports

migrations-check: install
	scripts/check-migrations.sh

pytest: install
	scripts/run-pytest.sh $(PYTEST_ARGS)

test: lint typecheck contracts migrations-check pytest

bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/demo_bench.py --sizes 100000,1000000
	$(BIN)/python bench/uplift_bench.py --train 100000 --test 100000 --seed 0

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
