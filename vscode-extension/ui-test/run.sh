#!/usr/bin/env bash
# The extension in a real VS Code: code-server (npm) with the built .vsix installed, driven by
# Debian's Chromium through playwright-core. See README.md beside this file.
#
#   vscode-extension/ui-test/run.sh PYTHON      (make vscode-ui)
#
# PYTHON: an interpreter with django-migration-manifest[lsp] (the repository's .venv): the
# extension's interpreter setting names it, and the harness runs the CLI with it.
# code-server needs Node 24: both come from npm into a cache folder kept between runs,
# ${XDG_CACHE_HOME:-~/.cache}/django-migration-manifest-ci/ (DMM_UI_CACHE overrides), one folder
# per pinned version, reused when complete. Node 24 runs only code-server; the harness runs on
# the machine's node.
# Without Chromium (or, on a first install, without a C/C++ toolchain and the Kerberos headers
# that code-server's native modules build with) the test is skipped, unless
# MIGRATION_MANIFEST_REQUIRE_VSCODE_UI is set (as .ci/vscode-ui.sh does): then it fails.
set -euo pipefail

NODE24_VERSION=24.22.3
CODE_SERVER_VERSION=4.139.1

here=$(cd "$(dirname "$0")" && pwd)
extension=$(cd "$here/.." && pwd)
repository=$(cd "$extension/.." && pwd)
cache=${DMM_UI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/django-migration-manifest-ci}
chromium=${DMM_CHROMIUM:-/usr/bin/chromium}

fail() { printf 'vscode-ui: %s\n' "$*" >&2; exit 1; }
skip() {
  if [ -n "${MIGRATION_MANIFEST_REQUIRE_VSCODE_UI:-}" ]; then
    fail "$* (MIGRATION_MANIFEST_REQUIRE_VSCODE_UI is set: .ci/vscode-ui.sh installs it)"
  fi
  printf 'vscode-ui: skipped: %s\n' "$*"
  echo "vscode-ui: 0 passed, 0 failed, 2 skipped"
  exit 0
}
seconds() { date +%s; }
step() { printf '\n== %s\n' "$*"; }

[ $# -eq 1 ] || fail "usage: run.sh PYTHON (an interpreter with django-migration-manifest[lsp])"
python=$1
case $python in */*) python="$(cd "$(dirname "$python")" && pwd)/$(basename "$python")" ;; esac
(cd / && "$python" -c 'import lsp_server.server') 2>/dev/null ||
  fail "$python has no django-migration-manifest[lsp] (run make in the repository)"
command -v node >/dev/null || fail "node is not installed (Node 20 or newer)"
[ -x "$chromium" ] || skip "no Chromium at $chromium (Debian: apt-get install chromium)"

case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) skip "no Node 24 package for $(uname -m) on npm" ;;
esac
node_package=node-linux-$arch

# $1 folder, $2... npm install arguments: installs into a folder of this run's own, then renames
# it to $1, so that a folder in the cache is always complete (a concurrent run's is kept).
install_into() {
  local folder=$1 partial="$1.partial-$$"
  shift
  rm -rf "$partial"
  mkdir -p "$partial"
  echo '{"private": true}' >"$partial/package.json"
  (cd "$partial" && npm install --no-save --no-audit --no-fund --loglevel=error "$@") || {
    rm -rf "$partial"
    fail "npm install $* failed"
  }
  mv -T "$partial" "$folder" 2>/dev/null || rm -rf "$partial"
}

started=$(seconds)
node_home=$cache/node-$NODE24_VERSION-$arch
node24=$node_home/node_modules/$node_package/bin/node
if [ -x "$node24" ]; then
  step "Node $NODE24_VERSION: cached in $node_home"
else
  step "Node $NODE24_VERSION from npm ($node_package) into $node_home"
  install_into "$node_home" "$node_package@$NODE24_VERSION"
fi
"$node24" --version >/dev/null || fail "$node24 does not run"

code_server_home=$cache/code-server-$CODE_SERVER_VERSION-node-$NODE24_VERSION-$arch
code_server=$code_server_home/node_modules/code-server/out/node/entry.js
if [ -f "$code_server" ]; then
  step "code-server $CODE_SERVER_VERSION: cached in $code_server_home"
else
  step "code-server $CODE_SERVER_VERSION from npm into $code_server_home (builds native modules: a few minutes)"
  command -v c++ >/dev/null && command -v make >/dev/null ||
    skip "code-server's native modules need a C/C++ toolchain (Debian: build-essential)"
  [ -f /usr/include/gssapi/gssapi.h ] || skip "code-server's native modules need the Kerberos headers (Debian: libkrb5-dev)"
  # code-server's postinstall requires npm to run on Node 24; node-gyp builds against its headers
  PATH="$(dirname "$node24"):$PATH" npm_config_nodedir="$node_home/node_modules/$node_package" \
    install_into "$code_server_home" "code-server@$CODE_SERVER_VERSION"
fi
[ -f "$code_server_home/node_modules/code-server/lib/vscode/out/server-main.js" ] ||
  fail "$code_server_home has no VS Code server (remove the folder to install it again)"
installed=$(seconds)

step "the .vsix"
version=$(node -p 'require(process.argv[1]).version' "$extension/package.json")
vsix=$extension/django-migration-manifest-$version.vsix
newer=
if [ -f "$vsix" ]; then
  newer=$(find "$extension/src" "$extension/package.json" "$extension/esbuild.mjs" \
    "$extension/bundled/requirements.txt" "$extension/scripts/build-libs.sh" \
    "$repository/lsp_server" "$repository/manifest_core" -newer "$vsix" -name '[!.]*' -type f \
    -not -path '*/__pycache__/*' -print -quit)
fi
if [ -f "$vsix" ] && [ -z "$newer" ]; then
  echo "reusing $vsix (newer than the sources)"
else
  [ -f "$vsix" ] && echo "rebuilding: $newer is newer than $vsix"
  (
    cd "$extension"
    [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error
    bash scripts/build-libs.sh "$python"
    node esbuild.mjs
    rm -f "$vsix"
    npx --no-install vsce package --no-dependencies --out "$vsix"
  )
fi
[ -f "$vsix" ] || fail "no $vsix"
built=$(seconds)

step "the harness (playwright-core)"
(cd "$here" && npm ci --no-audit --no-fund --loglevel=error)

step "the scenarios: code-server $CODE_SERVER_VERSION, $("$chromium" --version 2>/dev/null | head -1)"
status=0
(cd "$here" && DMM_NODE24="$node24" DMM_CODE_SERVER="$code_server" DMM_VSIX="$vsix" \
  DMM_PYTHON="$python" DMM_CHROMIUM="$chromium" node scenario.mjs) || status=$?
finished=$(seconds)
echo "vscode-ui: times: tools $((installed - started)) s, .vsix $((built - installed)) s, scenarios $((finished - built)) s"
exit "$status"
