# The two commands: `make run` (the product with a demo company on http://127.0.0.1:8000)
# and `make test` (lint, types, import contracts, tests on SQLite and PostgreSQL).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run test lint format typecheck contracts pytest migrations-check bench clean i18n

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
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

# Extract the marked strings of the templates and the code and update the Dutch catalogues
# (src/valuecenter/locale/nl/LC_MESSAGES/{pages,messages}.po); translate the new entries.
i18n: install
	mkdir -p build
	$(BIN)/pybabel extract --no-location --sort-output -F babel-pages.cfg -o build/pages.pot .
	$(BIN)/pybabel extract --no-location --sort-output -k _ -k gettext -k ngettext:1,2 -k lazy_gettext -F babel-messages.cfg -o build/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D pages -i build/pages.pot -d src/valuecenter/locale -l nl
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D messages -i build/messages.pot -d src/valuecenter/locale -l nl

bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/demo_bench.py --sizes 100000,1000000
	$(BIN)/python bench/uplift_bench.py --train 100000 --test 100000 --seed 0

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
