#!/usr/bin/env bash
# The lint suite's oracle is a real PostgreSQL (tests/postgres/): Debian's server, started by the
# tests themselves in a temporary directory. Install it when missing; .ci/run then requires it
# (MIGRATION_MANIFEST_REQUIRE_POSTGRES=1), so a missing server fails the suite instead of skipping.
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    "$(dirname "$0")/apt-install.sh" postgresql
fi
