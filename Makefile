# Partner Portal: `make run` starts everything on a laptop; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
WEB_PORT ?= 8000
SANDBOX_PORT ?= 8765
N ?= 1000
PYTEST_ARGS ?=
# Test processes (pytest-xdist): the tests mostly wait on servers (sandbox, worker, browser), so
# more processes than cores pay off. Each has its own sandbox, database and temporary directory.
PYTEST_WORKERS ?= 4
# Python caches compiled modules even where the environment says not to: the tests start hundreds
# of Python processes (servers, workers, commands), and cached bytecode halves each one's start-up
# (dependencies are compiled at install, the project's own modules on first import).
export PYTHONDONTWRITEBYTECODE :=
XDIST = -n $(PYTEST_WORKERS) --dist worksteal
# The portal talks to the sandbox that `make run` starts (unless PARTNER_CENTER_* are set).
SANDBOX_ENV = PARTNER_CENTER_API_URL=$${PARTNER_CENTER_API_URL:-http://127.0.0.1:$(SANDBOX_PORT)} \
	PARTNER_CENTER_AUTHORITY=$${PARTNER_CENTER_AUTHORITY:-http://127.0.0.1:$(SANDBOX_PORT)/8f6e6b8e-3c1d-4b43-9d7e-5a7c0e2b1a10}

.PHONY: install run test lint pytest pytest-postgres bench soak clean messages

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

$(VENV)/.synced: $(BIN)/uv pyproject.toml uv.lock
	$(BIN)/uv sync --frozen --quiet --compile-bytecode
	@touch $@

# The translation catalogs are compiled by Babel (pure Python): no gettext tools needed.
install: $(VENV)/.synced
	@$(PY) manage.py compile_translations

# Regenerate locale/*/django.po from the code and templates (needs gettext; see docs/i18n.md).
messages: install
	$(PY) manage.py makemessages

run: install
	@mkdir -p var
	@# On a fresh database, load the demo from the sandbox's partner (a temporary sandbox for it,
	@# started first because it takes longest). WhiteNoise serves static files from the source tree.
	@$(PY) -m partnercenter.sandbox --port $(SANDBOX_PORT) --state var/sandbox.sqlite3 --quiet & pid=$$!; \
		$(SANDBOX_ENV) $(PY) manage.py load_demo --migrate --sync; rc=$$?; \
		kill $$pid; wait $$pid 2>/dev/null; exit $$rc
	@echo ""
	@echo "  Partner Portal: http://127.0.0.1:$(WEB_PORT)/   (Partner Center sandbox on 127.0.0.1:$(SANDBOX_PORT))"
	@echo "  Demo logins: sales / finance / admin, password demo-portal-pass"
	@echo "  Served as in production (DEBUG off, gunicorn, WhiteNoise) over plain http on 127.0.0.1."
	@echo "  Ctrl-C stops web, worker, beat and sandbox."
	@echo ""
	$(SANDBOX_ENV) WEB_PORT=$(WEB_PORT) SANDBOX_PORT=$(SANDBOX_PORT) $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

pytest: install
	$(BIN)/pytest $(XDIST) $(PYTEST_ARGS)

# Database tests again on a throwaway PostgreSQL (its server binaries are required).
pytest-postgres: install
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		PORTAL_EXPECT_DB=postgresql $(PY) -m tests.services postgres -- $(BIN)/pytest $(XDIST) -m "not browser and not slow" -q $(PYTEST_ARGS); \
	else echo "PostgreSQL server binaries (initdb) not found: install postgresql (.ci/run does)" >&2; exit 1; fi

test: lint pytest pytest-postgres

# `make bench BENCH=line_items` runs one bench, `FULL=1` the full sizes (see tests/bench/harness.py).
BENCH ?=
bench: install
	$(PY) -m tests.bench $(if $(FULL),--full) $(BENCH)

soak: install
	$(PY) -m tests.soak --checkouts $(N)

clean:
	rm -rf $(VENV) var staticfiles
