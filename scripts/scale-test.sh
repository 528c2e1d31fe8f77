#!/usr/bin/env bash
# `make scale-test`: the scale-out test (tests/scale/test_scale_out.py, docs/scale-out.md) on a
# throwaway PostgreSQL (scripts/with-postgres.sh; a postgres DATABASE_URL or TEST_DATABASE_URL is
# used instead when given: pytest-django makes its test_ database there) and a throwaway Redis on
# a free port, in a directory of its own, append-only like production's. The test starts two
# gunicorns and two django-q2 clusters itself, on pytest-django's test database; their process
# groups are listed in $SCALE_WORK/pgids and killed here whatever happens, with Redis and the
# directory. Extra arguments go to pytest (e.g. -x). About 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null; then
  echo "redis-server is missing: scripts/system-packages.sh scale installs it" >&2
  exit 1
fi

SCALE_WORK="$(mktemp -d /tmp/settlement-scale.XXXXXX)"
REDIS_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
REDIS_PID=""
cleanup() {
  if [ -f "$SCALE_WORK/pgids" ]; then
    while read -r pgid; do
      kill -KILL -- "-$pgid" 2>/dev/null || true
    done <"$SCALE_WORK/pgids"
  fi
  if [ -n "$REDIS_PID" ]; then
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  fi
  rm -rf "$SCALE_WORK"
}
trap cleanup EXIT

mkdir -p "$SCALE_WORK/redis" "$SCALE_WORK/var"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$SCALE_WORK/redis" --save "" \
  --appendonly yes --logfile "$SCALE_WORK/redis.log" --daemonize no &
REDIS_PID=$!
for _ in $(seq 100); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$REDIS_PORT" ping >/dev/null || { cat "$SCALE_WORK/redis.log" >&2; exit 1; }
echo "throwaway Redis $(redis-server --version | awk '{print $3}') on 127.0.0.1:$REDIS_PORT" >&2

export SCALE_TEST=1 SCALE_WORK
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export DJANGO_SETTINGS_MODULE=tests.scale.settings
export VAR_DIR="$SCALE_WORK/var"
# the bank answers in 40 ms and the runner claims 40 payouts at a time, so the run lasts long
# enough to be killed mid-batch; lost payouts are asked about after 15 s instead of 120 s
export PAYOUT_BANK_LATENCY_MS=40 PAYOUT_RUN_BATCH=40 PAYOUT_RECOVERY_AFTER_SECONDS=15 Q_WORKERS=2
# serially, output shown as it comes (-s): the test prints its progress and figures
scripts/with-postgres.sh scripts/pytest.sh -p no:cacheprovider -n 0 -s -rs tests/scale "$@"
