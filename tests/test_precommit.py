"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real ``pre-commit`` tool.

pre-commit installs the hooks from a git repository into its own virtual environment
(``language: python``: pip installs this package there), so the hooks are given a copy of this
working tree committed in a temporary repository (tests/source_tree.py). The project they check is
another real git repository. ``try-repo`` builds a fresh environment on every call, so it runs
once; the other tests go through a ``.pre-commit-config.yaml``, as users do, with one pre-commit
home per module, where the environment is built once.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Git, run_cli
from lint_helpers import create_model, migration
from source_tree import ROOT, copy_source_tree

STALE = (
    "migrations.toml:17:1: error[MM007]: apps.catalog.head is '0002_book_isbn_index' but the "
    "app's latest migration is '0003_book_title'"
)
ADD_INDEX = (
    "catalog/migrations/0002_book_isbn_index.py:12:9: error[ML011] add-index: creates index "
    '"catalog_book_isbn_idx" on "catalog_book" without CONCURRENTLY'
)


@pytest.fixture(scope="module")
def hooks(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The hook repository, and the environment that points pre-commit at its own home."""
    repo = copy_source_tree(tmp_path_factory.mktemp("hooks"))
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "PRE_COMMIT_COLOR": "never",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    return repo, env


def pre_commit(
    hooks: tuple[Path, dict[str, str]], project: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=project,
        env=hooks[1],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def try_repo(
    hooks: tuple[Path, dict[str, str]], project: Path, hook: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return pre_commit(hooks, project, "try-repo", str(hooks[0]), hook, *args)


def oneline(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def project(git: Git) -> Git:
    """A project whose manifest is up to date: one app, with an unsafe migration committed."""
    git.write("catalog/__init__.py", "")
    git.write("catalog/migrations/__init__.py", "")
    git.write(
        "catalog/migrations/0001_initial.py",
        migration(
            "catalog", None, create_model("Book", '("isbn", models.CharField(max_length=13))')
        ),
    )
    git.write(
        "catalog/migrations/0002_book_isbn_index.py",
        migration(
            "catalog",
            "0001_initial",
            "        migrations.AddIndex(\n"
            '            model_name="book",\n'
            '            index=models.Index(fields=["isbn"], name="catalog_book_isbn_idx"),\n'
            "        ),\n",
        ),
    )
    assert run_cli("--root", str(git.path), "update")[0] == 0
    git.commit_all("catalog")
    return git


def add_title(project: Git) -> None:
    """A new, safe migration that leaves migrations.toml stale."""
    project.write(
        "catalog/migrations/0003_book_title.py",
        migration(
            "catalog",
            "0002_book_isbn_index",
            "        migrations.AddField(\n"
            '            model_name="book",\n'
            '            name="title",\n'
            "            field=models.TextField(null=True),\n"
            "        ),\n",
        ),
    )
    project("add", "-A")


def test_try_repo_check_fails_on_a_stale_manifest(
    hooks: tuple[Path, dict[str, str]], project: Git
) -> None:
    add_title(project)
    result = try_repo(hooks, project.path, "migration-manifest-check", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^migrations\.toml is up to date\.+Failed$", result.stdout, re.M)
    assert "- exit code: 1" in result.stdout
    assert STALE in result.stdout
    assert "Found 1 error." in result.stdout


def configure(hooks: tuple[Path, dict[str, str]], project: Git) -> None:
    """A .pre-commit-config.yaml with every hook, staged as pre-commit requires."""
    sha = subprocess.run(
        ["git", "-C", str(hooks[0]), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {hooks[0]}\n    rev: {sha}\n    hooks:\n"
        "      - id: migration-manifest-check\n"
        "      - id: migration-manifest-update\n"
        "      - id: migration-manifest-lint\n",
    )
    project("add", ".pre-commit-config.yaml")


def run_hook(
    hooks: tuple[Path, dict[str, str]], project: Git, hook: str, *args: str
) -> subprocess.CompletedProcess[str]:
    return pre_commit(hooks, project.path, "run", hook, *args)


def test_check_passes_on_an_up_to_date_manifest_and_fails_on_a_stale_one(
    hooks: tuple[Path, dict[str, str]], project: Git
) -> None:
    configure(hooks, project)
    result = run_hook(hooks, project, "migration-manifest-check", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^migrations\.toml is up to date\.+Passed$", result.stdout, re.M)

    add_title(project)
    result = run_hook(hooks, project, "migration-manifest-check", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^migrations\.toml is up to date\.+Failed$", result.stdout, re.M)
    assert STALE in result.stdout


def test_update_rewrites_a_stale_manifest_and_fails_as_formatters_do(
    hooks: tuple[Path, dict[str, str]], project: Git
) -> None:
    configure(hooks, project)
    before = (project.path / "migrations.toml").read_bytes()
    result = run_hook(hooks, project, "migration-manifest-update", "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^update migrations\.toml\.+Passed$", result.stdout, re.M)
    assert (project.path / "migrations.toml").read_bytes() == before

    add_title(project)
    result = run_hook(hooks, project, "migration-manifest-update", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^update migrations\.toml\.+Failed$", result.stdout, re.M)
    assert "- files were modified by this hook" in result.stdout
    assert "Updated migrations.toml:\n  catalog: 0002_book_isbn_index -> 0003_book_title" in (
        result.stdout
    )
    after = (project.path / "migrations.toml").read_text()
    assert after == before.decode().replace("0002_book_isbn_index", "0003_book_title")
    assert run_cli("--root", str(project.path), "check")[0] == 0


def test_lint_checks_only_the_staged_migrations(
    hooks: tuple[Path, dict[str, str]], project: Git
) -> None:
    configure(hooks, project)
    # the committed migration adds an index without CONCURRENTLY: --all-files finds it
    result = run_hook(hooks, project, "migration-manifest-lint", "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"^lint new migrations\.+Failed$", result.stdout, re.M)
    assert ADD_INDEX in result.stdout
    assert "Linted 2 migrations, 2 operations: 1 error." in result.stdout
    assert "__init__" not in result.stdout

    # staged: a safe migration only (the unsafe one is already committed)
    add_title(project)
    result = run_hook(hooks, project, "migration-manifest-lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^lint new migrations\.+Passed$", result.stdout, re.M)

    # staged: nothing under migrations/
    project("commit", "-q", "--no-verify", "-m", "title")
    project.write("README.md", "the bookshop\n")
    project("add", "README.md")
    result = run_hook(hooks, project, "migration-manifest-lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^lint new migrations\.+\(no files to check\)Skipped$", result.stdout, re.M)


def readme_config() -> str:
    """The .pre-commit-config.yaml the README shows."""
    text = (ROOT / "README.md").read_text()
    match = re.search(r"```yaml\n(?:#[^\n]*\n)?(repos:\n.*?)```", text, re.S)
    assert match, "the README shows no .pre-commit-config.yaml"
    return match.group(1)


def test_the_readme_configuration_stops_a_commit_with_a_stale_manifest(
    hooks: tuple[Path, dict[str, str]], project: Git
) -> None:
    config = readme_config()
    url = "https://github.com/django-migration-manifest/django-migration-manifest"
    assert f"  - repo: {url}\n    rev: v0.1.0\n" in config
    sha = subprocess.run(
        ["git", "-C", str(hooks[0]), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project.write(
        ".pre-commit-config.yaml",
        config.replace(url, str(hooks[0])).replace("rev: v0.1.0", f"rev: {sha}"),
    )
    project.commit_all("pre-commit")
    installed = pre_commit(hooks, project.path, "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    head = project("rev-parse", "HEAD").stdout

    add_title(project)
    commit = subprocess.run(
        ["git", "commit", "-q", "-m", "title"],
        cwd=project.path,
        env=hooks[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode == 1, commit.stdout + commit.stderr
    # git runs the hook with its output on stderr
    assert STALE in commit.stderr
    assert re.search(r"^lint new migrations\.+Passed$", commit.stderr, re.M)
    assert project("rev-parse", "HEAD").stdout == head, "the commit went through"

    assert run_cli("--root", str(project.path), "update")[0] == 0
    project("add", "migrations.toml")
    commit = subprocess.run(
        ["git", "commit", "-q", "-m", "title"],
        cwd=project.path,
        env=hooks[1],
        capture_output=True,
        text=True,
        check=False,
    )
    assert commit.returncode == 0, commit.stdout + commit.stderr
    assert re.search(r"^migrations\.toml is up to date\.+Passed$", commit.stderr, re.M)
    assert project("rev-parse", "HEAD").stdout != head
