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

## Only the lint rules' PostgreSQL suite (part of `pytest`): a throwaway PostgreSQL server runs the
## SQL Django emits for each rule's examples and confirms each claim (needs Debian's postgresql).
.PHONY: pytest-postgres
pytest-postgres: $(VENV)/.installed
	$(PY) -m pytest tests/postgres

vscode: $(VENV)/.installed
	vscode-extension/scripts/ci.sh $(abspath $(PY))

## Speed figures against floors measured in the same run.
bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) $(VENV42) .mypy_cache .ruff_cache .pytest_cache .hypothesis
