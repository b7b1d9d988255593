# The interface: `make demo`, `make ui`, `make test`, `make bench`, `make lint`.
# Everything is installed from the lock file into .venv by `make setup`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := .tools/bin/uv
HOST ?= 127.0.0.1
PORT ?= 3000
export DAGSTER_HOME ?= $(CURDIR)/data/.dagster_home
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
DBT_SOURCES := $(shell find dbt_project/models dbt_project/macros dbt_project/seeds dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
MANIFEST := dbt_project/target/manifest.json

.PHONY: setup manifest demo demo-national ui test test-fast lint bench browser postgres clean instance duckdb1

setup: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==0.13.8

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	touch $@

# A DuckDB 1.x client in a throwaway environment, as analysts' tools embed: the tests open the
# snapshot with it (it cannot live in the project's venv beside DuckDB 2).
DUCKDB1 := .tools/duckdb1/bin/python
duckdb1: $(DUCKDB1)
$(DUCKDB1): | $(UV)
	$(UV) venv --quiet --python $(PYTHON) .tools/duckdb1
	$(UV) pip install --quiet --python $(DUCKDB1) duckdb==1.2.2

# The dbt manifest, prepared explicitly (never at import).
manifest: $(MANIFEST)
$(MANIFEST): $(VENV)/.installed $(DBT_SOURCES)
	$(BIN)/dagster-dbt project prepare-and-package --file orchestration/dbt_project.py
	touch $@

# The project's rules, with PostgreSQL storage when QUARTIERS_DAGSTER_PG_URL is set
# (orchestration/instance.py; the `quartiers` command writes the same file).
instance: setup
	@$(BIN)/python -m orchestration.instance

demo: setup manifest instance
	$(BIN)/quartiers demo

demo-national: setup manifest instance
	QUARTIERS_DATA_DIR=$(CURDIR)/data/national $(BIN)/quartiers demo --national

ui: setup manifest instance
	$(BIN)/dagster dev -w workspace.yaml -h $(HOST) -p $(PORT)

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests --disable-progress-bar --processes 2

# Headless Chromium from Debian's packages, for the browser tests.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: sudo apt-get install chromium"; exit 1; fi; }

# PostgreSQL server binaries from Debian's packages, for the test of the instance on
# PostgreSQL (tests/postgres_server.py starts its own server in a temporary folder).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "PostgreSQL missing: sudo apt-get install postgresql"; exit 1; fi; }

# Two workers (the machines have two cores); the tests that share a session-built warehouse
# run in one worker (--dist loadgroup, groups set in tests/conftest.py), so it is built once.
test: setup manifest browser duckdb1 postgres
	@# the lint runs beside the tests, niced: it takes what the two workers leave of the cores
	@nice -n 10 $(MAKE) --no-print-directory lint > .lint.log 2>&1 & lint=$$!; \
	$(BIN)/pytest -n 2 --dist loadgroup; tests=$$?; \
	wait $$lint; linted=$$?; cat .lint.log; rm -f .lint.log; \
	[ $$linted -eq 0 ] || echo "make lint failed"; [ $$tests -eq 0 ] && [ $$linted -eq 0 ]

# The inner loop, under a minute: the pure tests only (tests/conftest.py marks as slow those
# that run Dagster, dbt or a process of their own), no browser, no lint.
test-fast: setup manifest
	$(BIN)/pytest -m "not slow and not browser"

bench: setup manifest
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
