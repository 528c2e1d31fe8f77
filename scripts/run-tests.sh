#!/usr/bin/env bash
# `make test`: lint, the suite on SQLite, then the suite on a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== pytest on SQLite"
env -u DATABASE_URL scripts/pytest.sh -p no:cacheprovider
echo "== pytest on PostgreSQL"
scripts/with-postgres.sh scripts/pytest.sh -p no:cacheprovider
