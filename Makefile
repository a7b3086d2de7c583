# The README's commands. `make run` serves the app with demo data; `make test` runs the suite.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install check lint format bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { scripts/find-python; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

run: $(STAMP)
	scripts/run-demo

# In parallel (pytest-xdist), one worker per core: each has its own test database, Redis key prefix and
# temporary folder. `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto
test: $(STAMP)
	KEYSTONE_REQUIRE_POSTGRES=1 scripts/with-services $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# Benchmarks on PostgreSQL (not tests): the 100,000-account list, the ratings recompute at 100,000
# accounts against one hand-written statement, 1,000 briefings (and PDFs) over three years of history,
# and the walker that times every page at 1k, 10k and 100k accounts (bench/RESULTS.md). Each uses a
# database of its own (kept: a second run reuses the data).
bench: $(STAMP)
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://keystone_owner@127.0.0.1:5432/keystone_bench} $(VENV)/bin/python bench/accounts_list.py
	DATABASE_URL=$${RATINGS_BENCH_DATABASE_URL:-postgres://keystone_owner@127.0.0.1:5432/keystone_ratings_bench} $(VENV)/bin/python bench/ratings_recompute.py
	DATABASE_URL=$${BRIEFINGS_BENCH_DATABASE_URL:-postgres://keystone_owner@127.0.0.1:5432/keystone_briefings_bench} $(VENV)/bin/python bench/briefings.py
	DATABASE_URL=$${WALK_BENCH_DATABASE_URL:-postgres://keystone_owner@127.0.0.1:5432/keystone_walk_bench} $(VENV)/bin/python bench/walk.py $(WALK_ARGS)

check: $(STAMP)
	DEBUG=1 $(VENV)/bin/python manage.py check

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Rewrites files in place (ruff format, configured in pyproject.toml); CI runs `make lint` only.
format: $(STAMP)
	$(VENV)/bin/ruff format .

clean:
	rm -rf var staticfiles
