#!/usr/bin/env bash
# VS Code itself (make vscode-ui): code-server, from npm with the Node 24 it needs (cached in
# ~/.cache/django-migration-manifest-ci), driven by Debian's Chromium. Install what is missing
# from Debian: Chromium, and what code-server's native modules build with on a first install
# (a C/C++ toolchain, pkg-config, the Kerberos headers). .ci/run requires it
# (MIGRATION_MANIFEST_REQUIRE_VSCODE_UI=1): a missing part fails the suite instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/.."
.ci/apt-install.sh chromium build-essential pkg-config libkrb5-dev
make vscode-ui
