"""Shared fixtures: the Django oracle worker, CLI runners and real git repositories."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from manifest_core.cli import main

ORACLE = Path(__file__).with_name("django_oracle.py")
TESTS = Path(__file__).resolve().parent

#: The tests that talk to Django itself: its MigrationLoader (the differential graph tests),
#: manage.py (the Django app, the example project) and the migrations django.contrib ships.
#: They carry the ``django`` marker, and `make test` runs them on every supported Django.
DJANGO_FACING = (
    "django_integration/",
    "test_example.py",
    "test_graph_differential.py",
    "test_lint_django_contrib.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        relative = item.path.resolve().relative_to(TESTS).as_posix()
        if any(relative == name or relative.startswith(name) for name in DJANGO_FACING):
            item.add_marker(pytest.mark.django)


class Oracle:
    """Django's own MigrationLoader, in a worker process (see tests/django_oracle.py)."""

    def __init__(self, *labels: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(ORACLE), *labels],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def load(self, path: str, modules: dict[str, str], auth_user_model: str = "auth.User") -> Any:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        request = {"path": path, "modules": modules, "auth_user_model": auth_user_model}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the Django oracle worker died"
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    from migration_repos import LABELS

    worker = Oracle(*LABELS)
    yield worker
    worker.close()


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None) -> tuple[int, str, str]:
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        code = main(list(args), out=out, err=err)
    finally:
        os.chdir(old)
    return code, out.getvalue(), err.getvalue()


def run_module(*args: str, cwd: str | os.PathLike[str]) -> subprocess.CompletedProcess[str]:
    """Run ``python -m manifest_core`` as a real subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "manifest_core", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


class Git:
    """A real git repository in a temporary folder."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self("init", "-q", "-b", "main")
        self("config", "user.email", "dev@example.com")
        self("config", "user.name", "Developer")
        self("config", "commit.gpgsign", "false")

    def __call__(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["git", *args], cwd=self.path, capture_output=True, text=True, check=False
        )
        if check and result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
        return result

    def write(self, relpath: str, content: str) -> Path:
        target = self.path / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        return target

    def commit_all(self, message: str) -> None:
        self("add", "-A")
        self("commit", "-q", "-m", message)


@pytest.fixture
def git(tmp_path: Path) -> Git:
    return Git(tmp_path / "repo")


def write_migration(
    root: Path,
    app: str,
    name: str,
    dependencies: list[tuple[str, str]] | None = None,
    *,
    folder: str | None = None,
    replaces: list[tuple[str, str]] | None = None,
    run_before: list[tuple[str, str]] | None = None,
    initial: bool | None = None,
) -> Path:
    """Write a makemigrations-shaped migration into ``<folder or app>/migrations/``."""
    from migration_repos import Spec, render

    package = root / (folder or app) / "migrations"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").touch()
    (package.parent / "__init__.py").touch()
    spec = Spec(
        app,
        name,
        dependencies=list(dependencies or []),
        replaces=list(replaces or []),
        run_before=list(run_before or []),
        initial=initial,
    )
    path = package / f"{name}.py"
    path.write_text(render(spec))
    return path


def write_chain(root: Path, app: str, *names: str, folder: str | None = None) -> list[Path]:
    """An app whose migrations each depend on the previous one."""
    paths = []
    previous: str | None = None
    for name in names:
        deps = [(app, previous)] if previous else []
        paths.append(
            write_migration(root, app, name, deps, folder=folder, initial=not previous or None)
        )
        previous = name
    return paths
