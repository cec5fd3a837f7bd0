# The two commands a fresh machine needs are `make demo` and `make test` (see README.md).
# Each creates or reuses an in-repository virtual environment and installs what it needs.

PYTHON ?= python3
VENV := .venv
VENV42 := .venv-django42
PY := $(VENV)/bin/python
PY42 := $(VENV42)/bin/python

.PHONY: demo test lint typecheck pytest pytest-django42 vscode bench clean

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 'django==5.2.*'
	touch $@

$(VENV42)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV42)
	$(PY42) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]' 'django==4.2.*'
	touch $@

## Run the main job on the bundled example project.
demo: $(VENV)/.installed
	$(PY) examples/demo.py

## Run the whole suite: lint, strict types, the tests on Django 5.2 and 4.2, and the VS Code
## extension (built, packaged as a .vsix and tested offline; needs Node 20+).
test: lint typecheck pytest pytest-django42 vscode

lint: $(VENV)/.installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: $(VENV)/.installed
	$(PY) -m mypy

pytest: $(VENV)/.installed
	$(PY) -m pytest

pytest-django42: $(VENV42)/.installed
	$(PY42) -m pytest

vscode: $(VENV)/.installed
	vscode-extension/scripts/ci.sh $(abspath $(PY))

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

clean:
	rm -rf $(VENV) $(VENV42) $(VENV_BENCH) .mypy_cache .ruff_cache .pytest_cache .hypothesis
