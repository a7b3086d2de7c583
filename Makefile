# The README's commands. `make run` serves the app with demo data; `make test` runs the suite.
PYTHON ?= $(shell scripts/find-python)
VENV := .venv
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: run test install migrate check bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { scripts/find-python; exit 1; }
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

run: $(STAMP)
	scripts/run-demo

test: $(STAMP)
	KEYSTONE_REQUIRE_POSTGRES=1 scripts/with-services $(VENV)/bin/pytest $(PYTEST_ARGS)

check: $(STAMP)
	DEBUG=1 $(VENV)/bin/python manage.py check

clean:
	rm -rf var staticfiles
