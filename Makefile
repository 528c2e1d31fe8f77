# The two commands a newcomer types: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres lint format bench scale-test clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# collectstatic compresses every file (about 20 s of CPU for 22 MB): only when a library or one of
# our static files changed since the last run.
STATIC_STAMP := $(or $(VAR_DIR),var)/static/.collected
$(STATIC_STAMP): $(VENV)/.runtime $(shell find core partners policies settlements payouts invoices -path '*/static/*' -type f 2>/dev/null)
	$(PY) manage.py collectstatic --noinput --verbosity 0
	touch $@

run: $(VENV)/.runtime $(STATIC_STAMP)
	scripts/system-packages.sh
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_schedules
	$(PY) manage.py load_demo_data
	$(PY) manage.py ensure_admin --url http://$(HOST):$(PORT)/admin/
	HOST=$(HOST) PORT=$(PORT) PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} scripts/serve.sh

# `test` adds Chromium for the browser tests (tests/browser/); `make run` never needs it.
test: $(VENV)/.dev
	scripts/system-packages.sh test
	scripts/run-tests.sh

test-sqlite: $(VENV)/.dev
	scripts/system-packages.sh test
	DATABASE_URL= scripts/pytest.sh

test-postgres: $(VENV)/.dev
	scripts/system-packages.sh test
	scripts/with-postgres.sh scripts/pytest.sh

# Every bench in bench/ on a throwaway PostgreSQL, three runs each, one table of medians
# (bench/run_all.py; BENCH_ARGS="--quick" for smaller sizes, "--only NAME" for one bench).
bench: $(VENV)/.dev
	scripts/system-packages.sh test
	scripts/with-postgres.sh sh -c '$(PY) manage.py migrate -v0 && $(PY) bench/run_all.py $(BENCH_ARGS)'

# Two gunicorn instances and two django-q2 clusters on one PostgreSQL and one Redis
# (docs/scale-out.md): bulk payout and bulk invoices under API traffic, one cluster SIGKILLed.
scale-test: $(VENV)/.dev
	scripts/system-packages.sh scale
	scripts/scale-test.sh

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) var/test-*
