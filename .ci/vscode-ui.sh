#!/usr/bin/env bash
# VS Code itself (make vscode-ui): code-server, from npm with the Node 24 it needs (cached in
# ~/.cache/django-migration-manifest-ci), driven by Debian's Chromium. Install what is missing
# from Debian: Chromium, and what code-server's native modules build with on a first install
# (a C/C++ toolchain, pkg-config, the Kerberos headers). .ci/run requires it
# (MIGRATION_MANIFEST_REQUIRE_VSCODE_UI=1): a missing part fails the suite instead of skipping it.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=""
[ -x /usr/bin/chromium ] || packages="$packages chromium"
for package in build-essential pkg-config libkrb5-dev; do
    dpkg -s "$package" >/dev/null 2>&1 || packages="$packages $package"
done
if [ -n "$packages" ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
        $packages >/dev/null
fi
make vscode-ui
