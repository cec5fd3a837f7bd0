#!/usr/bin/env bash
# Vendor the language server and the libraries it needs into bundled/libs, for the extension's
# `useBundled` import strategy: the pinned pure-Python wheels of bundled/requirements.txt
# (hash-checked) and this repository's manifest_core and lsp_server, built from the working tree.
#
#   scripts/build-libs.sh [PYTHON]     (default: $PYTHON, else python3)
#
# PYTHON only runs pip: the bundle itself is for any platform and Python 3.10 or newer.
# Needs the PyPI registry (the wheels, and setuptools to build our package); writes nothing
# outside bundled/libs and a temporary folder.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$here/.." && pwd)
python=${1:-${PYTHON:-python3}}
libs="$here/bundled/libs"
pip=("$python" -m pip --disable-pip-version-check --no-input)

staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT

rm -rf "$libs"
mkdir -p "$libs"

echo "build-libs: pinned libraries (py3-none-any, hash-checked) -> bundled/libs"
"${pip[@]}" install --quiet --no-deps --no-compile --require-hashes \
  --only-binary=:all: --implementation py --python-version 3.10 --abi none --platform any \
  --target "$libs" -r "$here/bundled/requirements.txt"

echo "build-libs: manifest_core and lsp_server from $repo -> bundled/libs"
mkdir "$staging/src"
cp "$repo/pyproject.toml" "$repo/README.md" "$repo/LICENSE" "$staging/src/"
for package in manifest_core lsp_server; do
  cp -R "$repo/$package" "$staging/src/$package"
done
find "$staging/src" -name __pycache__ -type d -prune -exec rm -rf {} +
"${pip[@]}" install --quiet --no-deps --no-compile --target "$libs" "$staging/src"

# console scripts point at the build interpreter; caches are the build machine's
rm -rf "$libs/bin"
find "$libs" -name __pycache__ -type d -prune -exec rm -rf {} +

for package in lsp_server manifest_core pygls lsprotocol cattrs attrs tomli_w; do
  if [ ! -d "$libs/$package" ]; then
    echo "build-libs: $package is missing from bundled/libs" >&2
    exit 1
  fi
done
echo "build-libs: $(find "$libs" -type f | wc -l | tr -d ' ') files, $(du -sh "$libs" | cut -f1)"
