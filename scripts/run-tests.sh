#!/usr/bin/env bash
# `make test`: lint, the suite on SQLite, then the suite on a real PostgreSQL.
set -euo pipefail
# Live-server threads must not keep connections open past a test, or PostgreSQL refuses to drop
# the test database at the end.
export CONN_MAX_AGE=0
# Two pytest-xdist workers: on a 2-core machine the suite takes ~40 s instead of 45-75 s serially
# (more on PostgreSQL, whose live-server tests wait on I/O). PYTEST_WORKERS=0 runs it serially.
WORKERS=(-n "${PYTEST_WORKERS:-2}")
# The browser tests (tests/browser/, Chromium from `scripts/system-packages.sh test`) run in both
# passes, one browser per worker; -rs prints why any test was skipped (e.g. no Chromium).
# BROWSER_TESTS=0 leaves them out.
MARKS=()
[ "${BROWSER_TESTS:-1}" = "0" ] && MARKS=(-m "not browser")
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== pytest on SQLite"
env -u DATABASE_URL scripts/pytest.sh -p no:cacheprovider -rs "${WORKERS[@]}" ${MARKS[@]+"${MARKS[@]}"}
echo "== pytest on PostgreSQL"
scripts/with-postgres.sh scripts/pytest.sh -p no:cacheprovider -rs "${WORKERS[@]}" \
  ${MARKS[@]+"${MARKS[@]}"}
