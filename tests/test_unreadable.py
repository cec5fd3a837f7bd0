"""Unreadable is an error, never "empty": folders and files the user may not read are reported
where they are, and ``update`` writes nothing.

Root reads everything, so the tool runs as ``nobody`` (see ``unprivileged.py``) on a copy of the
repository owned by that user, in a folder anyone may enter: the test runs the same way as root
(CI) and as any other user, and never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write_chain

from manifest_core.manifest import render_manifest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from unprivileged import user  # noqa: E402

MANIFEST = render_manifest(
    {"blog": ("0002_post_slug", "blog/migrations"), "shop": ("0002_order", "shop/migrations")}
)


@pytest.fixture
def repo() -> Iterator[Path]:
    top = Path(tempfile.mkdtemp(prefix="mm-unreadable-"))
    top.chmod(0o755)
    root = top / "project"
    write_chain(root, "blog", "0001_initial", "0002_post_slug")
    write_chain(root, "shop", "0001_initial", "0002_order")
    (root / "migrations.toml").write_text(MANIFEST)
    uid, gid = user()
    for folder, dirs, files in os.walk(top):
        for name in [folder, *(os.path.join(folder, n) for n in (*dirs, *files))]:
            os.chown(name, uid, gid)
    try:
        yield root
    finally:
        for folder, dirs, _ in os.walk(top):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o755)
        shutil.rmtree(top)


def run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, str(HERE / "unprivileged.py"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": str(HERE.parent)},
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1, 2), result.stderr
    return result


def check(root: Path) -> tuple[int, list[dict[str, Any]]]:
    result = run(root, "--format", "json", "check")
    return result.returncode, json.loads(result.stdout)["problems"]


def found(problems: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    return [(p["code"], p["severity"], p["path"], p["message"]) for p in problems]


def assert_update_writes_nothing(root: Path, reason: str) -> None:
    result = run(root, "update")
    assert result.returncode == 1
    assert reason in result.stdout
    assert result.stdout.endswith(
        "migrations.toml was not written: fix the problems above first.\n"
    )
    assert (root / "migrations.toml").read_text() == MANIFEST


def test_the_command_never_runs_as_root(repo: Path) -> None:
    assert user()[0] != 0
    probe = repo / "shop" / "migrations"
    probe.chmod(0)
    assert run(repo, "show").returncode == 0  # root would list it and report nothing
    assert "MM122" in run(repo, "show").stdout


def test_an_unreadable_migrations_folder_is_an_error(repo: Path) -> None:
    (repo / "shop" / "migrations").chmod(0)
    code, problems = check(repo)
    assert code == 1
    assert found(problems) == [
        (
            "MM122",
            "error",
            "shop/migrations",
            "this migrations folder cannot be listed (Permission denied), so the migrations in "
            "it are unknown",
        )
    ]
    assert_update_writes_nothing(repo, "shop/migrations:1:1: error[MM122]")


def test_an_unreadable_app_folder_named_in_the_manifest_is_an_error(repo: Path) -> None:
    (repo / "shop").chmod(0)
    code, problems = check(repo)
    assert code == 1
    assert found(problems) == [
        (
            "MM122",
            "warning",
            "shop",
            "this folder cannot be listed (Permission denied), so the migrations in it are unknown",
        ),
        (
            "MM122",
            "error",
            "shop/migrations",
            "this migrations folder cannot be listed (Permission denied), so the migrations in "
            "it are unknown",
        ),
    ]
    assert_update_writes_nothing(repo, "shop/migrations:1:1: error[MM122]")


def test_an_unreadable_folder_elsewhere_is_a_warning(repo: Path) -> None:
    (repo / "pgdata").mkdir()
    (repo / "pgdata").chmod(0)
    code, problems = check(repo)
    assert code == 0
    assert [(p["code"], p["severity"], p["path"]) for p in problems] == [
        ("MM122", "warning", "pgdata")
    ]
    assert "exclude" in problems[0]["hint"]
    # nothing in it is known, but nothing known is lost: update keeps every app
    assert run(repo, "update").stdout == "migrations.toml is already up to date.\n"


def test_a_folder_that_can_be_listed_but_not_entered(repo: Path) -> None:
    (repo / "shop" / "migrations").chmod(0o644)
    code, problems = check(repo)
    assert code == 1
    assert (
        "MM105",
        "error",
        "shop/migrations/0002_order.py",
        "cannot be opened: Permission denied",
    ) in found(problems)
    assert_update_writes_nothing(repo, "error[MM105]")


def test_an_unreadable_migration_file(repo: Path) -> None:
    (repo / "shop" / "migrations" / "0002_order.py").chmod(0)
    code, problems = check(repo)
    assert code == 1
    assert found(problems) == [
        (
            "MM105",
            "error",
            "shop/migrations/0002_order.py",
            "cannot be opened: Permission denied",
        )
    ]
    assert_update_writes_nothing(repo, "shop/migrations/0002_order.py:1:1: error[MM105]")
    lint = run(repo, "lint", "--all")
    assert lint.returncode == 1
    assert "shop/migrations/0002_order.py" in lint.stdout


def test_an_unreadable_apps_py(repo: Path) -> None:
    (repo / "shop" / "apps.py").write_text(
        "from django.apps import AppConfig\n\n\nclass ShopConfig(AppConfig):\n"
        "    name = 'shop'\n    label = 'store'\n"
    )
    (repo / "shop" / "apps.py").chmod(0)
    code, problems = check(repo)
    assert code == 1
    assert (
        "MM105",
        "error",
        "shop/apps.py",
        "cannot be opened: Permission denied; the app's label is unknown",
    ) in found(problems)
    assert_update_writes_nothing(repo, "shop/apps.py:1:1: error[MM105]")


def test_an_unreadable_manifest(repo: Path) -> None:
    (repo / "migrations.toml").chmod(0)
    code, problems = check(repo)
    assert code == 1
    assert found(problems) == [
        ("MM003", "error", "migrations.toml", "cannot be read: Permission denied")
    ]
    result = run(repo, "update")
    assert result.returncode == 1
    assert result.stderr == "error: migrations.toml: cannot be read: Permission denied\n"
    (repo / "migrations.toml").chmod(0o644)
    assert (repo / "migrations.toml").read_text() == MANIFEST


def test_a_folder_the_user_may_not_write_names_the_manifest(repo: Path) -> None:
    write_chain(repo, "shop", "0001_initial", "0002_order", "0003_total")
    uid, gid = user()
    for path in (repo / "shop" / "migrations").iterdir():
        os.chown(path, uid, gid)
    # outside git, the writers' lock and journal live in the cache folder: the user may write there
    cache = repo / ".migration_manifest_cache"
    cache.mkdir()
    os.chown(cache, uid, gid)
    repo.chmod(0o555)  # migrations.toml stays writable; its folder takes no temporary file
    result = run(repo, "--no-cache", "update")
    assert result.returncode == 1
    assert result.stderr == (
        "error: migrations.toml: Permission denied (while keeping a copy of it); "
        "every change was rolled back\n"
    )
    assert (repo / "migrations.toml").read_text() == MANIFEST
    assert sorted(p.name for p in repo.iterdir() if p.name.startswith(".")) == [cache.name]


def test_a_cache_folder_that_cannot_be_made_stops_a_write_before_it_starts(repo: Path) -> None:
    write_chain(repo, "shop", "0001_initial", "0002_order", "0003_total")
    uid, gid = user()
    for path in (repo / "shop" / "migrations").iterdir():
        os.chown(path, uid, gid)
    repo.chmod(0o555)
    result = run(repo, "--no-cache", "update")
    assert result.returncode == 1
    assert result.stderr == (
        "error: .migration_manifest_cache: Permission denied (while taking the writers' lock, "
        "kept there with the journal of each change); nothing was changed\n"
    )
    assert (repo / "migrations.toml").read_text() == MANIFEST
    assert sorted(p.name for p in repo.iterdir() if p.name.startswith(".")) == []
