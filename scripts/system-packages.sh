#!/usr/bin/env bash
# System packages the project needs at run time: a Korean font for PDFs (WeasyPrint renders
# Hangul as boxes without one) and pango for WeasyPrint itself. Installed once with apt-get.
set -euo pipefail
need=()
fc-list 2>/dev/null | grep -qi "nanum\|noto.*cjk" || need+=(fonts-nanum)
ldconfig -p 2>/dev/null | grep -q libpango-1.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
[ ${#need[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "warning: please install ${need[*]} (no apt-get here)" >&2
  exit 0
fi
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing system packages: ${need[*]}" >&2
$SUDO apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null || \
  echo "warning: could not install ${need[*]}; PDFs may lack Korean glyphs" >&2
