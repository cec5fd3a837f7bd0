#!/usr/bin/env bash
# The GitHub Action's first step: install django-migration-manifest, from the action's own
# checkout, into a virtual environment of its own under $RUNNER_TEMP (the runner's Python may be
# externally managed, and the tool needs none of the project's dependencies). Later steps of the
# job find `migration-manifest` on PATH. A second use of the action in one job reuses it.
set -euo pipefail
venv="${RUNNER_TEMP:?RUNNER_TEMP is not set: run this inside a GitHub Actions job}/django-migration-manifest"
if [ ! -x "$venv/bin/python" ]; then
    "${INPUT_PYTHON:-python3}" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${ACTION_PATH:?}"
fi
"$venv/bin/migration-manifest" --version
if [ -n "${GITHUB_PATH:-}" ]; then
    echo "$venv/bin" >> "$GITHUB_PATH"
fi
