"""The cache changes how fast answers come, never what they are."""

from __future__ import annotations

import dataclasses
import marshal
import os
import time
from pathlib import Path

import pytest
from conftest import run_cli, write_chain, write_migration

from manifest_core import cache
from manifest_core.manifest import render_manifest
from manifest_core.model import Location, Problem, Severity, Span
from manifest_core.project import load_project, load_summary

CACHE = ".migration_manifest_cache"


def age(root: Path, seconds: float = 100) -> None:
    """Make every file look old enough to be cached (the cache skips files changed < 2 s ago)."""
    past = time.time() - seconds
    for path in root.rglob("*.py"):
        os.utime(path, (past, past))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write_chain(root, "blog", "0001_initial", "0002_post_slug")
    write_chain(root, "shop", "0001_initial")
    (root / "migrations.toml").write_text(
        render_manifest(
            {
                "blog": ("0002_post_slug", "blog/migrations"),
                "shop": ("0001_initial", "shop/migrations"),
            }
        )
    )
    age(root)
    return root


def test_warm_answers_equal_cold_answers(repo: Path) -> None:
    cold = load_summary(str(repo), use_cache=False)
    first = load_summary(str(repo))
    warm = load_summary(str(repo))
    assert cold == first == warm
    assert (repo / CACHE / "summary.marshal").exists()
    assert (repo / CACHE / "files.marshal").exists()
    assert (
        repo / CACHE / ".gitignore"
    ).read_text() == "# Created by django-migration-manifest.\n*\n"
    full_cold = load_project(str(repo), use_cache=False)
    full_warm = load_project(str(repo))
    assert full_cold.decls == full_warm.decls
    assert full_cold.graph == full_warm.graph


def test_the_warm_path_reads_no_migration_file(repo: Path) -> None:
    load_summary(str(repo))
    target = repo / "blog" / "migrations" / "0002_post_slug.py"
    stat = target.stat()
    # same size, same mtime, same inode: only the content differs, which the stat key cannot see
    text = target.read_text().replace("'0001_initial'", "'0001_initiax'")
    with open(target, "r+") as handle:
        handle.write(text)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert load_summary(str(repo)).problems == ()  # served from the cache
    assert [p.code for p in load_summary(str(repo), use_cache=False).problems] == ["MM110"]


def test_changes_are_seen(repo: Path) -> None:
    assert run_cli("--root", str(repo), "check")[0] == 0
    write_migration(repo, "blog", "0003_new", [("blog", "0002_post_slug")])
    assert run_cli("--root", str(repo), "check")[0] == 1
    (repo / "blog" / "migrations" / "0003_new.py").unlink()
    assert run_cli("--root", str(repo), "check")[0] == 0
    target = repo / "shop" / "migrations" / "0001_initial.py"
    target.write_text(target.read_text().replace("dependencies = [", "dependencies = [('x', 'y'),"))
    past = time.time() - 50
    os.utime(target, (past, past))
    code, out, _ = run_cli("--root", str(repo), "check")
    assert "warning" not in out
    assert code == 0  # a dependency on an app outside the repository is not an error
    assert ("x", "y") in load_project(str(repo)).graph.parents[("shop", "0001_initial")]


def test_a_file_changed_within_the_timestamp_resolution_is_never_served_stale(repo: Path) -> None:
    target = repo / "blog" / "migrations" / "0002_post_slug.py"
    target.write_text(target.read_text())  # modified just now: "racily clean"
    stat = target.stat()
    load_summary(str(repo))
    text = target.read_text().replace("'0001_initial'", "'0001_initiax'")
    target.write_text(text)
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    assert [p.code for p in load_summary(str(repo)).problems] == ["MM110"]


def test_labels_from_apps_py_are_revalidated(repo: Path) -> None:
    (repo / "migrations.toml").unlink()  # its recorded labels would take precedence
    apps_py = repo / "shop" / "apps.py"
    apps_py.write_text(
        "from django.apps import AppConfig\n\nclass C(AppConfig):\n    label = 'store'\n"
    )
    age(repo)
    assert [a.label for a in load_summary(str(repo)).apps] == ["blog", "store"]
    apps_py.write_text(
        "from django.apps import AppConfig\n\nclass C(AppConfig):\n    label = 'market'\n"
    )
    age(repo, 10)
    assert [a.label for a in load_summary(str(repo)).apps] == ["blog", "market"]


def test_corrupt_or_unwritable_cache_is_ignored(repo: Path) -> None:
    expected = load_summary(str(repo), use_cache=False)
    (repo / CACHE).mkdir()
    (repo / CACHE / "summary.marshal").write_bytes(b"\x00garbage")
    (repo / CACHE / "files.marshal").write_bytes(b"")
    assert load_summary(str(repo)) == expected
    blocked = repo.parent / "blocked"
    write_chain(blocked, "blog", "0001_initial")
    (blocked / CACHE).write_text("a file where the cache folder should be")
    assert run_cli("--root", str(blocked), "show")[0] == 0


def test_no_cache_writes_nothing(repo: Path) -> None:
    assert run_cli("--root", str(repo), "--no-cache", "check")[0] == 0
    assert not (repo / CACHE).exists()


def test_cache_location_is_configurable(repo: Path) -> None:
    (repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\ncache-dir = ".cache/mm"\n'
    )
    assert run_cli("--root", str(repo), "check")[0] == 0
    assert (repo / ".cache" / "mm" / "summary.marshal").exists()
    assert not (repo / CACHE).exists()


def test_a_problem_survives_the_cache_with_every_field() -> None:
    problem = Problem(
        code="MM007",
        name="stale-head",
        severity=Severity.ERROR,
        message="apps.blog.head is stale",
        path="migrations.toml",
        span=Span(3, 0, 3, 8),
        hint="run update",
        related=(Location("blog/migrations/0002_b.py", Span(5, 6, 5, 15)), Location("x.py", None)),
        app="blog",
    )
    stored = marshal.loads(marshal.dumps(cache._problem_to(problem)))
    assert cache._problem_from(stored) == problem
    assert {f.name for f in dataclasses.fields(Problem)} == {
        "code",
        "name",
        "severity",
        "message",
        "path",
        "span",
        "hint",
        "related",
        "app",
    }, "a new Problem field must be stored by the cache too"
