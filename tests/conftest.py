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
