#!/usr/bin/env bash
# `npm test`'s pretest step: the report tests open pages in headless Chromium, so find it (CHROMIUM, else
# Debian's /usr/bin/chromium) or install Debian's chromium with apt-get, and say which it did. A fresh
# machine then passes `npm ci && npm test` as the README writes it. MEDRUBRIC_CHROMIUM_DEFAULT moves the
# default path, for this script's own test only.
set -euo pipefail
default="${MEDRUBRIC_CHROMIUM_DEFAULT:-/usr/bin/chromium}"
say() { echo "pretest: $*"; }
# shellcheck source=apt-install.sh
. "$(dirname "$0")/apt-install.sh"

if [ -n "${CHROMIUM:-}" ]; then
  if [ -x "$CHROMIUM" ]; then
    say "Chromium for the report tests: $CHROMIUM ($("$CHROMIUM" --version 2>/dev/null || echo "version unknown")), from \$CHROMIUM"
    exit 0
  fi
  echo "pretest: CHROMIUM=$CHROMIUM is not an executable: point it at a Chromium binary, or unset it to use Debian's $default" >&2
  exit 1
fi
if [ -x "$default" ]; then
  say "Chromium for the report tests: $default ($("$default" --version 2>/dev/null || echo "version unknown"))"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "pretest: the report tests need Chromium and $default is missing; install Chromium and set CHROMIUM to its binary" >&2
  exit 1
fi
say "$default not found: installing Debian's chromium with apt-get (a minute or two, once)"
if ! apt_install chromium; then
  echo "pretest: apt-get could not install chromium (above); install it, or set CHROMIUM to a Chromium binary" >&2
  exit 1
fi
say "installed $("$default" --version 2>/dev/null || echo chromium) at $default"
