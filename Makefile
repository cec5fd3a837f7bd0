# The two commands a fresh machine needs are `make demo` and `make test` (see README.md).
# Each creates or reuses an in-repository virtual environment and installs what it needs.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

# Django 6.x needs Python 3.12+: the Django-facing tests also run on Python 3.12 + Django 6.0 and
# on Python 3.13 + Django 6.1, each in its own in-repository venv.
# Point these at other interpreters with `make test PYTHON312=/usr/bin/python3.12 ...`.
PYTHON312 ?= $(firstword $(wildcard /root/.pyenv/versions/3.12*/bin/python3.12) $(shell command -v python3.12 2>/dev/null))
PYTHON313 ?= $(firstword $(wildcard /root/.pyenv/versions/3.13*/bin/python3.13) $(shell command -v python3.13 2>/dev/null))
VENV60 := .venv-django60
VENV61 := .venv-django61

.PHONY: demo test lint typecheck pytest pytest-django60 pytest-django61 vscode bench soak clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 'django==5.2.*'
	touch $@

# $(call need-python,INTERPRETER,VERSION,VARIABLE,WHAT): fail, saying what to set, unless
# INTERPRETER runs and is Python VERSION.
need-python = @if [ -z "$(1)" ] || ! "$(1)" -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(2)".split("."))))' 2>/dev/null; then \
	echo "error: $(4) needs Python $(2), and $(if $(1),'$(1)' is not a Python $(2) interpreter,no python$(2) was found)." >&2; \
	echo "Install Python $(2), or point the Makefile at one: make $(MAKECMDGOALS) $(3)=/path/to/python$(2)" >&2; \
	exit 1; fi

$(VENV60)/.installed: pyproject.toml constraints.txt
	$(call need-python,$(PYTHON312),3.12,PYTHON312,the Django 6.0 test run)
	$(PYTHON312) -m venv $(VENV60)
	$(VENV60)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 'django==6.0.*'
	touch $@

$(VENV61)/.installed: pyproject.toml constraints.txt
	$(call need-python,$(PYTHON313),3.13,PYTHON313,the Django 6.1 test run)
	$(PYTHON313) -m venv $(VENV61)
	$(VENV61)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 'django==6.1.*'
	touch $@

## Run the main job on the bundled example project.
demo: $(VENV)/.installed
	$(PY) examples/demo.py

## Run the whole suite: lint, strict types, every test on Python 3.11 + Django 5.2, the
## Django-facing tests (marker `django`) on Python 3.12 + Django 6.0 and Python 3.13 + Django 6.1,
## and the VS Code extension (built, packaged as a .vsix and tested offline; needs Node 20+).
test: lint typecheck pytest pytest-django60 pytest-django61 vscode

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(VENV)/.installed
	$(PY) -m mypy

pytest: $(VENV)/.installed
	$(PY) -m pytest

pytest-django60: $(VENV60)/.installed
	$(VENV60)/bin/python -m pytest -m django

pytest-django61: $(VENV61)/.installed
	$(VENV61)/bin/python -m pytest -m django

## Only the lint rules' PostgreSQL suite (part of `pytest`): a throwaway PostgreSQL server runs the
## SQL Django emits for each rule's examples and confirms each claim (needs Debian's postgresql).
.PHONY: pytest-postgres
pytest-postgres: $(VENV)/.installed
	$(PY) -m pytest tests/postgres

vscode: $(VENV)/.installed
	vscode-extension/scripts/ci.sh $(abspath $(PY))

## VS Code itself: the .vsix installed in code-server (Node 24 and code-server from npm, cached in
## ~/.cache/django-migration-manifest-ci), driven by Debian's Chromium through its UI: the
## renumber quick fix, committed from Source Control (vscode-extension/ui-test/README.md).
.PHONY: vscode-ui
vscode-ui: $(VENV)/.installed
	vscode-extension/ui-test/run.sh $(abspath $(PY))

## Speed figures against floors measured in the same run. The timed processes run a regular
## (not editable) install of the current tree, refreshed on every run, in $(VENV_BENCH); extra
## options go in BENCH_ARGS (e.g. make bench BENCH_ARGS=--quick).
VENV_BENCH := .venv-bench
BENCH_ARGS ?=
bench: $(VENV)/.installed
	test -x $(VENV_BENCH)/bin/python || $(PYTHON) -m venv $(VENV_BENCH)
	$(VENV_BENCH)/bin/python -m pip install --quiet --disable-pip-version-check -c constraints.txt '.[lsp]'
	$(VENV_BENCH)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall .
	rm -rf build
	$(PY) -m bench --python $(abspath $(VENV_BENCH))/bin/python $(BENCH_ARGS)

## Long runs of the "nothing lost" tests: 500 random real-git merges and rebases through resolve,
## and every signal (SIGINT, SIGTERM, SIGHUP, SIGKILL) at every step of an interrupted resolve.
soak: $(VENV)/.installed
	RESOLVE_EXAMPLES=500 INTERRUPT_MATRIX=full $(PY) -m pytest -q -p no:cacheprovider tests/test_resolve_property.py tests/test_interrupted.py

clean:
	rm -rf $(VENV) $(VENV60) $(VENV61) $(VENV_BENCH) .mypy_cache .ruff_cache .pytest_cache .hypothesis
