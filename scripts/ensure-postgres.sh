#!/usr/bin/env bash
# `npm test`'s pretest step, beside ensure-chromium.sh: the Postgres store's tests start a throwaway
# server from Debian's binaries (test/postgres-server.ts), so find them (MEDRUBRIC_POSTGRES_BIN, else
# /usr/lib/postgresql/15/bin) or install Debian's postgresql package with apt-get, and say which it did.
# When that cannot be done the tests skip the Postgres store with one line saying why, except under CI
# or MEDRUBRIC_REQUIRE_REAL_DATA=1, where this step fails instead.
set -euo pipefail
bin="${MEDRUBRIC_POSTGRES_BIN:-/usr/lib/postgresql/15/bin}"
say() { echo "pretest: $*"; }
# shellcheck source=apt-install.sh
. "$(dirname "$0")/apt-install.sh"
cannot() {
  if [ "${CI:-}" = "true" ] || [ "${MEDRUBRIC_REQUIRE_REAL_DATA:-}" = "1" ]; then
    echo "pretest: $* (the Postgres tests must run under CI)" >&2
    exit 1
  fi
  say "$*; the Postgres store's tests will be skipped"
  exit 0
}

if [ -x "$bin/initdb" ] && [ -x "$bin/postgres" ]; then
  say "Postgres for the store tests: $bin ($("$bin/postgres" --version 2>/dev/null || echo "version unknown"))"
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || cannot "$bin/postgres is missing and there is no apt-get to install Debian's postgresql"
say "$bin/postgres not found: installing Debian's postgresql with apt-get (a minute, once)"
apt_install postgresql || cannot "apt-get could not install postgresql (above)"
[ -x "$bin/postgres" ] || cannot "postgresql installed, but not at $bin: set MEDRUBRIC_POSTGRES_BIN to its bin folder"
say "installed $("$bin/postgres" --version) at $bin"
