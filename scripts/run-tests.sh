#!/usr/bin/env bash
# `make test`: lint, the suite on SQLite, then the suite on a real PostgreSQL.
set -euo pipefail
# Live-server threads must not keep connections open past a test, or PostgreSQL refuses to drop
# the test database at the end.
export CONN_MAX_AGE=0
# Two pytest-xdist workers: on a 2-core machine the suite takes ~40 s instead of 45-75 s serially
# (more on PostgreSQL, whose live-server tests wait on I/O). PYTEST_WORKERS=0 runs it serially.
WORKERS=(-n "${PYTEST_WORKERS:-2}")
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== pytest on SQLite"
env -u DATABASE_URL scripts/pytest.sh -p no:cacheprovider "${WORKERS[@]}"
echo "== pytest on PostgreSQL"
scripts/with-postgres.sh scripts/pytest.sh -p no:cacheprovider "${WORKERS[@]}"
