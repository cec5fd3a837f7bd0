"""The cache stays in a folder of its own inside the repository, whatever ``cache-dir`` says.

Every shape runs ``check``, ``lint`` and ``resolve --dry-run`` as real subprocesses in a real git
repository: exit 2 with a message naming the setting, and nothing written anywhere, inside the
repository or out.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import Git, run_module, write_chain

from manifest_core.manifest import render_manifest

COMMANDS = (("check",), ("lint", "--all"), ("resolve", "--dry-run"))
SETTING = "[tool.django-migration-manifest] cache-dir"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git = Git(tmp_path / "project")
    write_chain(git.path, "blog", "0001_initial", "0002_post_slug")
    git.write("migrations.toml", render_manifest({"blog": ("0002_post_slug", "blog/migrations")}))
    git.commit_all("initial")
    (tmp_path / "outside").mkdir()
    return git.path


def age(repo: Path) -> None:
    """Date every migration file well in the past, so the cache stores them."""
    old = os.path.getmtime(repo) - 100
    for path in repo.rglob("*.py"):
        os.utime(path, (old, old))


def snapshot(top: Path) -> dict[str, bytes | str]:
    """Every file and link under ``top`` (outside ``.git``) with its content or target."""
    found: dict[str, bytes | str] = {}
    for folder, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in [*files, *(d for d in dirs if os.path.islink(os.path.join(folder, d)))]:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, top)
            found[rel] = os.readlink(path) if os.path.islink(path) else Path(path).read_bytes()
        found.update({os.path.relpath(os.path.join(folder, d), top) + "/": b"" for d in dirs})
    return found


def configure(repo: Path, value: str) -> None:
    (repo / "pyproject.toml").write_text(
        f"[project]\nname = 'shop'\n\n[tool.django-migration-manifest]\ncache-dir = {value}\n"
    )


def assert_refused(repo: Path, expected: str) -> None:
    top = repo.parent
    before = snapshot(top)
    for command in COMMANDS:
        result = run_module(*command, cwd=repo)
        assert "Traceback" not in result.stderr
        assert (result.returncode, result.stderr) == (2, expected + "\n"), command
        assert snapshot(top) == before, f"{command} wrote something"


def test_a_path_above_the_repository(repo: Path) -> None:
    configure(repo, "'../outside'")
    assert_refused(
        repo,
        f"error: pyproject.toml:5: {SETTING}: '../outside' must be a relative path to a folder "
        "inside the repository (the default is '.migration_manifest_cache')",
    )


def test_an_absolute_path(repo: Path) -> None:
    outside = repo.parent / "outside"
    configure(repo, f"'{outside}'")
    assert_refused(
        repo,
        f"error: pyproject.toml:5: {SETTING}: '{outside}' must be a relative path to a folder "
        "inside the repository (the default is '.migration_manifest_cache')",
    )


@pytest.mark.parametrize("value", [".", "./", "blog/.."])
def test_the_repository_root(repo: Path, value: str) -> None:
    configure(repo, f"'{value}'")
    if ".." in value:
        message = "must be a relative path to a folder inside the repository"
    else:
        message = "is the repository root; the cache needs a folder of its own, as it makes git "
        message += "ignore its folder"
    assert_refused(
        repo,
        f"error: pyproject.toml:5: {SETTING}: '{value}' {message} "
        "(the default is '.migration_manifest_cache')",
    )


def test_a_folder_with_other_content(repo: Path) -> None:
    configure(repo, "'blog'")
    assert_refused(
        repo,
        f"error: pyproject.toml:5: {SETTING}: 'blog' is an existing folder with other content "
        "('__init__.py', 'migrations'); the cache needs a folder of its own inside the "
        "repository: set cache-dir to a new folder name",
    )


def test_a_folder_whose_gitignore_is_not_the_caches(repo: Path) -> None:
    (repo / "build-cache").mkdir()
    (repo / "build-cache" / ".gitignore").write_text("*.o\n")
    configure(repo, "'build-cache'")
    assert_refused(
        repo,
        f"error: pyproject.toml:5: {SETTING}: 'build-cache' is an existing folder with other "
        "content ('.gitignore'); the cache needs a folder of its own inside the repository: "
        "set cache-dir to a new folder name",
    )


def test_the_default_folder_as_a_link_outside(repo: Path) -> None:
    outside = repo.parent / "outside"
    (repo / ".migration_manifest_cache").symlink_to(outside)
    assert_refused(
        repo,
        f"error: pyproject.toml: {SETTING} (default '.migration_manifest_cache'): "
        f"'.migration_manifest_cache' is a symbolic link to {outside.resolve()}, outside the "
        "repository; the cache needs a folder of its own inside the repository: remove the "
        "link, or set cache-dir to a new folder name",
    )


def test_a_configured_folder_behind_a_link_outside(repo: Path) -> None:
    outside = repo.parent / "outside"
    (repo / ".cache").symlink_to(outside)
    configure(repo, "'.cache/mm'")
    assert_refused(
        repo,
        f"error: pyproject.toml:5: {SETTING}: '.cache/mm' is a symbolic link to "
        f"{outside.resolve() / 'mm'}, outside the repository; the cache needs a folder of its "
        "own inside the repository: remove the link, or set cache-dir to a new folder name",
    )


def test_a_link_to_the_repository_root(repo: Path) -> None:
    (repo / ".migration_manifest_cache").symlink_to(repo)
    assert_refused(
        repo,
        f"error: pyproject.toml: {SETTING} (default '.migration_manifest_cache'): "
        "'.migration_manifest_cache' is a symbolic link to the repository root; the cache needs "
        "a folder of its own inside the repository: remove the link, or set cache-dir to a new "
        "folder name",
    )


def test_no_cache_never_looks_at_the_folder(repo: Path) -> None:
    (repo / ".migration_manifest_cache").symlink_to(repo.parent / "outside")
    before = snapshot(repo.parent)
    assert run_module("--no-cache", "check", cwd=repo).returncode == 0
    assert snapshot(repo.parent) == before


@pytest.mark.parametrize("setting", [None, "'.cache/mm'"])
def test_a_folder_of_its_own_is_used_and_reused(repo: Path, setting: str | None) -> None:
    if setting is not None:
        (repo / ".cache").mkdir()
        (repo / ".cache" / "other-tool").write_text("kept")
        configure(repo, setting)
    folder = repo / (".cache/mm" if setting else ".migration_manifest_cache")
    age(repo)
    for command in COMMANDS:
        result = run_module(*command, cwd=repo)
        assert result.returncode in (0, 1), result.stderr
        # check remembers its answer in the default folder only (verdict.marshal)
        assert sorted(p.name for p in folder.iterdir()) == [
            ".gitignore",
            "files.marshal",
            "summary.marshal",
            *(["verdict.marshal"] if setting is None else []),
        ]
    assert (folder / ".gitignore").read_text() == "# Created by django-migration-manifest.\n*\n"
    gitignores = sorted(str(p.relative_to(repo)) for p in repo.rglob(".gitignore"))
    assert gitignores == [str(folder.relative_to(repo) / ".gitignore")]
    # git sees everything but the cache
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    expected = [] if setting is None else ["??", ".cache/other-tool", "??", "pyproject.toml"]
    assert status.split() == expected


def test_an_existing_empty_folder_is_taken(repo: Path) -> None:
    (repo / "cache").mkdir()
    configure(repo, "'cache'")
    age(repo)
    assert run_module("check", cwd=repo).returncode == 0
    assert (repo / "cache" / "summary.marshal").exists()
