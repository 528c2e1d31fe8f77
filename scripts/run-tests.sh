#!/usr/bin/env bash
# `make test`: lint, the suite on SQLite, then the suite on a real PostgreSQL.
set -euo pipefail
# Live-server threads must not keep connections open past a test, or PostgreSQL refuses to drop
# the test database at the end.
export CONN_MAX_AGE=0
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== pytest on SQLite"
env -u DATABASE_URL scripts/pytest.sh -p no:cacheprovider
echo "== pytest on PostgreSQL"
scripts/with-postgres.sh scripts/pytest.sh -p no:cacheprovider
