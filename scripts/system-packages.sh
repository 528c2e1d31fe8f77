#!/usr/bin/env bash
# System packages, installed once with apt-get when missing.
#   scripts/system-packages.sh        what `make run` needs: a Korean font for PDFs (WeasyPrint
#                                     renders Hangul as boxes without one) and pango for WeasyPrint.
#   scripts/system-packages.sh test   the same plus Debian's Chromium for the browser tests
#                                     (tests/browser/; never `playwright install`; the Korean font
#                                     also gives Hangul in their screenshots) and redis-server
#                                     (the Redis-broker health and worker-shutdown tests).
#   scripts/system-packages.sh scale  what `make run` needs plus redis-server, the broker of the
#                                     scale-out test (`make scale-test`, scripts/scale-test.sh).
# Nothing here fails the caller: without apt-get (or when it fails) it warns, and the browser tests
# then skip with a message saying why.
set -euo pipefail
need=()
# `grep -q` would stop reading early, the producer would die of SIGPIPE and pipefail would call the
# package missing (then every run did apt-get): read the whole output instead.
fc-list 2>/dev/null | grep -i "nanum\|noto.*cjk" >/dev/null || need+=(fonts-nanum)
ldconfig -p 2>/dev/null | grep libpango-1.0 >/dev/null || need+=(libpango-1.0-0 libpangoft2-1.0-0)
if [ "${1:-}" = "test" ]; then
  [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
fi
if [ "${1:-}" = "scale" ] || [ "${1:-}" = "test" ]; then
  command -v redis-server >/dev/null || need+=(redis-server)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "warning: please install ${need[*]} (no apt-get here)" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing system packages: ${need[*]}" >&2
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" \
  >/dev/null || echo "warning: could not install ${need[*]}; PDFs may lack Korean glyphs and \
the browser tests will skip" >&2
