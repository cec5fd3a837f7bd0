"""The manifest's edge cases: a dangling link, a path with ``..``, a byte order mark, a full disk.

Commands run as real subprocesses; the full disk is ``/dev/full`` under the temporary file.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pytest
from conftest import run_module, write_chain

from manifest_core import fsops
from manifest_core.config import Config
from manifest_core.manifest import render_manifest
from manifest_core.project import load_summary, read_manifest
from manifest_core.update import plan_update

MANIFEST = render_manifest(
    {"blog": ("0002_post_slug", "blog/migrations"), "shop": ("0001_initial", "shop/migrations")}
)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_chain(root, "blog", "0001_initial", "0002_post_slug")
    write_chain(root, "shop", "0001_initial")
    (root / "migrations.toml").write_text(MANIFEST)
    return root


def test_a_dangling_manifest_link_is_named_alike_by_check_and_update(repo: Path) -> None:
    (repo / "migrations.toml").unlink()
    (repo / "migrations.toml").symlink_to("gone.toml")
    check = run_module("check", cwd=repo)
    assert (check.returncode, check.stdout) == (
        1,
        "migrations.toml:1:1: error[MM003]: is a symbolic link to 'gone.toml', which does not "
        "exist\n"
        "    hint: remove the link, or restore what it points to, and run "
        "`python -m manifest_core update`\n"
        "Found 1 error.\n",
    )
    update = run_module("update", cwd=repo)
    assert (update.returncode, update.stdout) == (1, "")
    assert update.stderr == (
        "error: migrations.toml: is a symbolic link to 'gone.toml', which does not exist\n"
    )
    assert os.readlink(repo / "migrations.toml") == "gone.toml"
    assert not (repo / "gone.toml").exists()


def test_a_path_through_another_folder_is_normalised(repo: Path) -> None:
    text = MANIFEST.replace('path = "shop/migrations"', 'path = "blog/../shop//migrations/"')
    (repo / "migrations.toml").write_text(text)
    check = run_module("check", cwd=repo)
    assert (check.returncode, check.stdout) == (
        0,
        "migrations.toml is up to date: 2 apps, 3 migrations.\n",
    )
    update = run_module("update", cwd=repo)
    assert update.stdout == "Updated migrations.toml:\n  rewritten in the standard layout\n"
    assert (repo / "migrations.toml").read_text() == MANIFEST


def test_a_byte_order_mark_is_read_and_dropped(repo: Path) -> None:
    (repo / "migrations.toml").write_bytes(codecs.BOM_UTF8 + MANIFEST.encode())
    assert run_module("check", cwd=repo).returncode == 0
    update = run_module("update", cwd=repo)
    assert update.stdout == "Updated migrations.toml:\n  rewritten in the standard layout\n"
    assert (repo / "migrations.toml").read_bytes() == MANIFEST.encode()
    assert run_module("update", cwd=repo).stdout == "migrations.toml is already up to date.\n"


def test_a_byte_order_mark_is_dropped_with_a_change(repo: Path) -> None:
    (repo / "migrations.toml").write_bytes(codecs.BOM_UTF8 + MANIFEST.encode())
    write_chain(repo, "shop", "0001_initial", "0002_order")
    update = run_module("update", cwd=repo)
    assert update.stdout == "Updated migrations.toml:\n  shop: 0001_initial -> 0002_order\n"
    data = (repo / "migrations.toml").read_bytes()
    assert data == MANIFEST.replace('"0001_initial"', '"0002_order"').encode()


def test_a_full_disk_names_the_manifest_not_the_temporary_file(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:

    write_chain(repo, "shop", "0001_initial", "0002_order")
    config = Config()
    manifest = read_manifest(str(repo), config)
    plan = plan_update(load_summary(str(repo), use_cache=False), manifest).plan
    made: list[str] = []
    real_open = os.open

    def full_disk(path: str, flags: int, mode: int = 0o777) -> int:
        """The new content of migrations.toml goes to a file on a full disk (/dev/full)."""
        fd = real_open(path, flags, mode)
        if os.path.basename(path).startswith(".migrations.toml.") and path.endswith(".new"):
            made.append(path)
            os.close(fd)
            return real_open("/dev/full", os.O_WRONLY)
        return fd

    monkeypatch.setattr(os, "open", full_disk)
    with pytest.raises(fsops.ApplyError) as failure:
        fsops.apply_plan(str(repo), plan, use_git=False)
    assert str(failure.value) == (
        "migrations.toml: No space left on device (while writing its new content next to it); "
        "every change was rolled back"
    )
    assert made  # the temporary file was used, and is gone
    assert not any(os.path.exists(p) for p in made)
    assert (repo / "migrations.toml").read_text() == MANIFEST


def test_a_dependency_on_a_migration_only_a_squash_replaces(tmp_path: Path) -> None:
    from conftest import write_migration

    root = tmp_path / "squashed"
    write_migration(
        root,
        "shop",
        "0001_squashed_0002_order",
        replaces=[("shop", "0001_initial"), ("shop", "0002_order")],
        initial=True,
    )
    path = write_migration(root, "blog", "0001_initial", [("shop", "0002_order")], initial=True)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if "0002_order" in t)
    (root / "migrations.toml").write_text(
        render_manifest(
            {
                "blog": ("0001_initial", "blog/migrations"),
                "shop": ("0001_squashed_0002_order", "shop/migrations"),
            }
        )
    )
    result = run_module("--format", "json", "check", cwd=root)
    assert result.returncode == 0  # a warning
    import json

    problems = json.loads(result.stdout)["problems"]
    assert [(p["code"], p["severity"], p["path"], p["line"], p["message"]) for p in problems] == [
        (
            "MM124",
            "warning",
            "blog/migrations/0001_initial.py",
            line,
            "blog.0001_initial depends on shop.0002_order, which exists only in the `replaces` "
            "of shop.0001_squashed_0002_order: depend on shop.0001_squashed_0002_order instead",
        )
    ]
    assert run_module("check", "--fail-level", "warning", cwd=root).returncode == 1
