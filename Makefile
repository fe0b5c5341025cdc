# RuralFlow: two commands from a fresh clone.
#   make demo   build the environment and write out/610425/report.html
#   make test   build the environment and run the test suite
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.8
UV := .tools/bin/uv
VENV := .venv
RF := $(VENV)/bin/ruralflow
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: vendor demo test test-slow test-postgres serve bench-service test-all lint typecheck check bench bench-routing bench-siting bench-trace bench-sharing bench-sweep clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(RF): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked
	@touch $(RF)

demo: $(RF)
	$(RF) demo --out-dir out

test: $(RF)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -n 2 -q

# The store and API tests on PostgreSQL: a throwaway local cluster (installs Debian's
# postgresql package if needed). Against an existing server instead:
#   RURALFLOW_TEST_POSTGRES_URL=postgresql+psycopg://user:pw@host/postgres \
#     .venv/bin/pytest -m postgres tests/service
# The slow tests (the Dask sweep on local workers, a killed and resumed sweep).
test-slow: $(RF)
	$(VENV)/bin/pytest -n 2 -q -m slow

test-postgres: $(RF)
	scripts/with-postgres.sh $(VENV)/bin/pytest -n 2 -q -m postgres tests/service

# Bounded schemathesis run and load test of the HTTP API; results into docs/benchmarks.md.
bench-service: $(RF)
	$(UV) sync --locked --group bench
	$(VENV)/bin/python benchmarks/bench_service.py --write

# The API on the embedded SQLite file ruralflow.db (the example county on first start).
serve: $(RF)
	$(RF) serve

test-all: $(RF)
	$(VENV)/bin/pytest -n 2 -q -m ''

lint: $(RF)
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

typecheck: $(RF)
	$(VENV)/bin/mypy

check: lint typecheck test

# All benchmarks (long: the routing set alone takes ~15 min at 10 s per instance).
bench: bench-siting bench-routing bench-trace bench-sharing bench-service

bench-trace: $(RF)
	$(VENV)/bin/python benchmarks/bench_trace_log.py

bench-sharing: $(RF)
	$(VENV)/bin/python benchmarks/bench_sharing.py

# National sweep scaling: 16 counties on 1 and 2 Dask workers (a few minutes).
bench-sweep: $(RF)
	$(VENV)/bin/python benchmarks/bench_sweep.py --time-limit 10

# Routing benchmark (VRPSPD, Solomon) beside OR-Tools; table into docs/benchmarks.md.
#   make bench-routing TIME_LIMIT=30 ROUTING_SET=full ROUTING_FORMATS=vrpspd
TIME_LIMIT ?= 10
ROUTING_SET ?= standard
ROUTING_FORMATS ?= vrpspd,solomon
bench-routing: $(RF)
	$(UV) sync --locked --group bench
	$(VENV)/bin/python benchmarks/bench_routing.py --time-limit $(TIME_LIMIT) \
		--set $(ROUTING_SET) --formats $(ROUTING_FORMATS)

# Siting benchmark (OR-Library cap/uncap/pmed) beside spopt; table into docs/benchmarks.md.
#   make bench-siting SITING_TIME_LIMIT=120 SITING_ARGS=--all
SITING_TIME_LIMIT ?= 120
SITING_ARGS ?=
bench-siting: $(RF)
	$(UV) sync --locked --group bench
	$(VENV)/bin/python benchmarks/bench_siting.py --time-limit $(SITING_TIME_LIMIT) \
		--spopt-time-limit $(SITING_TIME_LIMIT) --out docs/benchmarks.md $(SITING_ARGS)

clean:
	rm -rf $(VENV) .tools out .pytest_cache .mypy_cache .ruff_cache

# The dashboard's browser libraries (Apache ECharts), pinned in web/package-lock.json, fetched
# from the npm registry and copied with their licences and SHA-256 into the package's
# static/vendor/ (committed, so that serving and testing need no npm).
vendor:
	cd web && npm ci --no-audit --no-fund
	$(PYTHON) scripts/vendor_web.py
