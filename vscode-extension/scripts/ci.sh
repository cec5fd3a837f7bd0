#!/usr/bin/env bash
# Build, package and test the VS Code extension, offline but for the npm and PyPI registries.
# Never downloads VS Code: tests that need a real VS Code are documented in README.md.
#
#   vscode-extension/scripts/ci.sh [PYTHON]
#
# PYTHON (argument, else $PYTHON, else python3) builds the bundled libraries with pip. When it is
# given, its environment must have django-migration-manifest[lsp] installed (the repository's
# .venv does): the end-to-end test then also runs the server from it (importStrategy
# fromEnvironment). $DMM_PLAIN_PYTHON (default python3), an interpreter WITHOUT the project,
# runs the bundled server from the unpacked .vsix (importStrategy useBundled, and
# fromEnvironment falling back to the bundle).
#
# Steps: npm ci; tsc --noEmit; bundled/libs (pip); esbuild; vsce package; the .vsix's contents
# and the bundled server imported from the unpacked .vsix; unit tests; end-to-end tests.
# Exits non-zero on the first failure; ends with "vscode-extension: N passed, N failed".
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

# a relative interpreter path is taken from where ci.sh was called
absolute() {
  case $1 in
    */*) if [ -d "$(dirname "$1")" ]; then echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; else echo "$1"; fi ;;
    *) echo "$1" ;;
  esac
}

if [ $# -gt 0 ]; then
  python=$1
  env_python=$1
elif [ -n "${PYTHON:-}" ]; then
  python=$PYTHON
  env_python=$PYTHON
else
  python=python3
  env_python=
fi
plain_python=${DMM_PLAIN_PYTHON:-python3}
python=$(absolute "$python")
plain_python=$(absolute "$plain_python")
[ -z "$env_python" ] || env_python=$python
cd "$here"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'ci.sh: %s\n' "$*" >&2; exit 1; }

command -v node >/dev/null || fail "node is not installed (Node 20 or newer)"
command -v "$python" >/dev/null || [ -x "$python" ] || fail "no Python interpreter '$python'"
command -v "$plain_python" >/dev/null || [ -x "$plain_python" ] || fail "no Python interpreter '$plain_python'"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$env_python" ]; then
  # checked where the server would run (outside the repository, whose sources would shadow it)
  (cd "$work" && "$env_python" -c 'import lsp_server.server') ||
    fail "$env_python has no django-migration-manifest[lsp] (pip install -e '.[lsp]' into it, or run make in the repository)"
fi
if (cd "$work" && "$plain_python" -c 'import lsp_server' 2>/dev/null); then
  fail "$plain_python has django-migration-manifest installed: set DMM_PLAIN_PYTHON to an interpreter without it"
fi

step "node $(node --version), npm $(npm --version 2>/dev/null); python: $python; plain python: $plain_python"

step "npm ci"
npm ci --no-audit --no-fund

step "typecheck (tsc --noEmit)"
npx --no-install tsc -p . --noEmit

step "bundled libraries (scripts/build-libs.sh)"
bash scripts/build-libs.sh "$python"

step "bundle (esbuild)"
node esbuild.mjs

step "package (vsce package)"
version=$(node -p 'require("./package.json").version')
vsix="$here/django-migration-manifest-$version.vsix"
rm -f "$vsix"
npx --no-install vsce package --no-dependencies --out "$vsix"
[ -f "$vsix" ] || fail "vsce did not write $vsix"

step "the .vsix's contents"
unpacked="$work/vsix"
"$plain_python" - "$vsix" "$unpacked" <<'PY'
import sys, zipfile

vsix, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(vsix) as archive:
    names = archive.namelist()
    archive.extractall(target)
required = [
    "extension/package.json",
    "extension/readme.md",
    "extension/LICENSE.txt",
    "extension/dist/extension.js",
    "extension/images/icon.png",
    "extension/bundled/requirements.txt",
    "extension/bundled/libs/lsp_server/__main__.py",
    "extension/bundled/libs/lsp_server/server.py",
    "extension/bundled/libs/manifest_core/__init__.py",
    "extension/bundled/libs/pygls/__init__.py",
    "extension/bundled/libs/lsprotocol/types.py",
    "extension/bundled/libs/cattrs/__init__.py",
    "extension/bundled/libs/attrs/__init__.py",
    "extension/bundled/libs/tomli_w/__init__.py",
]
missing = [name for name in required if name not in names]
forbidden = [
    name for name in names
    if name.startswith(("extension/node_modules/", "extension/src/", "extension/out/", "extension/test/"))
    or "/__pycache__/" in name
    or name.endswith((".ts", ".map", ".vsix", ".pyc"))
]
size = sum(info.file_size for info in zipfile.ZipFile(vsix).infolist())
print(f"{len(names)} files, {size / 1e6:.1f} MB unpacked")
for name in missing:
    print(f"missing: {name}")
for name in forbidden:
    print(f"should not be packaged: {name}")
sys.exit(1 if missing or forbidden else 0)
PY

step "the bundled server imports from the unpacked .vsix ($plain_python)"
libs="$unpacked/extension/bundled/libs"
(cd "$work" && "$plain_python" -s -c '
import sys
libs = sys.argv[1]
sys.path.insert(0, libs)
import lsp_server.server, manifest_core, pygls
for module in (lsp_server.server, manifest_core, pygls):
    assert module.__file__.startswith(libs), module.__file__
print("imported lsp_server.server from", lsp_server.server.__file__)
' "$libs")
(cd "$work" && PYTHONPATH="$libs" "$plain_python" -s -m lsp_server --version)

step "compile the tests (tsc)"
npx --no-install tsc -p .

results="$work/results.txt"
: >"$results"
status=0
run_mocha() {
  local log="$work/mocha-$1.log" code=0
  shift
  npx --no-install mocha --config .mocharc.json "$@" 2>&1 | tee "$log" || code=$?
  local passing failing
  passing=$(grep -Eo '^ *[0-9]+ passing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
  failing=$(grep -Eo '^ *[0-9]+ failing' "$log" | grep -Eo '[0-9]+' | tail -1 || true)
  if [ "$code" -ne 0 ] && [ "${failing:-0}" -eq 0 ]; then
    failing=1 # mocha itself failed (a test file that does not load...)
  fi
  echo "${passing:-0} ${failing:-0}" >>"$results"
  [ "$code" -eq 0 ] || status=1
}

step "unit tests (mocha, vscode faked)"
DMM_PLAIN_PYTHON="$plain_python" DMM_ENV_PYTHON="$env_python" run_mocha unit "out/test/unit/**/*.test.js"

step "end-to-end tests (the server started as the extension starts it, over vscode-languageclient's JSON-RPC)"
DMM_EXTENSION_PATH="$unpacked/extension" DMM_PLAIN_PYTHON="$plain_python" DMM_ENV_PYTHON="$env_python" \
  run_mocha e2e --timeout 120000 "out/test/e2e/**/*.test.js"
if [ -z "$env_python" ]; then
  echo "note: no PYTHON given: the fromEnvironment case with an installed server was skipped"
fi

read -r passed failed < <(awk '{p += $1; f += $2} END {print p, f}' "$results")
printf '\n.vsix: %s (%s)\n' "$vsix" "$(du -h "$vsix" | cut -f1)"
echo "vscode-extension: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ] || exit 1
