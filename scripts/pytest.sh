#!/usr/bin/env bash
# pytest with the project's venv. Exit 5 ("no tests collected") is reported, not hidden: it
# means the suite is missing, which is a failure for us.
set -uo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest "$@"
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests: treating as failure" >&2
  exit 1
fi
exit "$rc"
