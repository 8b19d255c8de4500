# Partner Portal: `make run` starts everything on a laptop; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
SANDBOX_PORT ?= 8765
N ?= 1000
PYTEST_ARGS ?=

.PHONY: install run test lint pytest pytest-postgres bench soak clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --quiet
	@touch $@

install: $(VENV)/.synced

run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	@echo ""
	@echo "  Partner Portal: http://127.0.0.1:$(PORT)/   (Partner Center sandbox on 127.0.0.1:$(SANDBOX_PORT))"
	@echo "  Demo logins: sales / finance / admin, password demo-portal-pass"
	@echo "  Ctrl-C stops web, worker, beat and sandbox."
	@echo ""
	PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

# Database tests again on a throwaway PostgreSQL, when its server binaries are installed.
pytest-postgres: install
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		PORTAL_EXPECT_DB=postgresql $(PY) -m tests.services postgres -- $(BIN)/pytest -m "not browser and not slow" -q $(PYTEST_ARGS); \
	else echo "PostgreSQL server not installed: skipping the PostgreSQL pass"; fi

test: lint pytest pytest-postgres

bench: install
	$(PY) -m tests.bench

soak: install
	$(PY) -m tests.soak --checkouts $(N)

clean:
	rm -rf $(VENV) var staticfiles
