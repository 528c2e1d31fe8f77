#!/usr/bin/env bash
# The web server and a django-q2 worker side by side; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
HOST="${HOST:-127.0.0.1}"; PORT="${PORT:-8000}"
# `worker` is django-q2's qcluster with a prompt stop (docs/deploy.md#stopping-a-worker)
.venv/bin/python manage.py worker &
QPID=$!
trap 'kill $QPID 2>/dev/null; wait $QPID 2>/dev/null' EXIT INT TERM
echo "admin: http://$HOST:$PORT/admin/   API docs: http://$HOST:$PORT/api/docs/"
.venv/bin/python manage.py runserver "$HOST:$PORT"
