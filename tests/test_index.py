"""The incremental index always answers what a fresh load of the repository answers."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from conftest import write_chain, write_migration
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from migration_repos import Repo, Spec, render, repos, write_repo

from manifest_core.index import WorkspaceIndex
from manifest_core.manifest import render_manifest
from manifest_core.model import Problem
from manifest_core.project import load_project

EXAMPLES = int(os.environ.get("INDEX_EXAMPLES", "60"))


def comparable(problems: list[Problem] | tuple[Problem, ...]) -> set[tuple[str, str, int, str]]:
    return {(p.code, p.path, p.line, p.message) for p in problems}


def assert_same(index: WorkspaceIndex, root: str) -> None:
    """Same heads and problems. Cycles come from :meth:`WorkspaceIndex.cycles`, which sees the
    whole repository; each component's graph reports only the cycles inside it."""
    fresh = load_project(root, use_cache=False)
    expected = fresh.summary()
    actual = index.summary()
    assert actual.apps == expected.apps
    # MM116 (an order-dependent __first__/__latest__) is judged per component by the index
    acyclic = [p for p in actual.problems if p.code not in ("MM111", "MM116")]
    wanted = [p for p in expected.problems if p.code != "MM116"]
    assert comparable([*acyclic, *index.cycles()]) == comparable(wanted)
    component_cycles = {p.message for p in actual.problems if p.code == "MM111"}
    global_cycles = {p.message for p in index.cycles()}
    assert bool(component_cycles) <= bool(global_cycles)
    assert dict(index.decls) == dict(fresh.decls)


@st.composite
def edits(draw: st.DrawFn, repo: Repo) -> list[tuple[str, Spec]]:
    """A few changes: rewrite a migration's dependencies, delete one, or add one."""
    keys = [(s.app, s.name) for s in repo.specs]
    existing = [s for s in repo.specs if s.on_disk]
    changes: list[tuple[str, Spec]] = []
    for number in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["rewrite", "delete", "add"]))
        if action in ("rewrite", "delete") and existing:
            spec = draw(st.sampled_from(existing))
            if action == "delete":
                existing.remove(spec)
                changes.append(("delete", spec))
            else:
                deps = draw(st.lists(st.sampled_from(keys), max_size=2))
                changes.append(("rewrite", replace(spec, dependencies=deps)))
        else:
            app = draw(st.sampled_from(repo.apps()))
            deps = draw(st.lists(st.sampled_from(keys), max_size=2))
            added = Spec(app, f"9{number}00_added", dependencies=deps)
            existing.append(added)
            changes.append(("add", added))
    return changes


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data(), repo=repos())
def test_index_equals_a_fresh_load_before_and_after_edits(data: st.DataObject, repo: Repo) -> None:
    folder = tempfile.mkdtemp(prefix="index-")
    try:
        write_repo(repo, folder, "project")
        root = os.path.join(folder, "project")
        index = WorkspaceIndex(root)
        index.load(use_cache=False)
        assert_same(index, root)
        for action, spec in data.draw(edits(repo)):
            relative = f"{spec.app}/migrations/{spec.name}.py"
            target = os.path.join(root, relative)
            if action == "delete":
                os.unlink(target)
            else:
                with open(target, "w") as handle:
                    handle.write(render(spec))
            change = index.refresh(relative)
            assert spec.app in change.apps or change.reloaded or action == "rewrite"
            assert_same(index, root)
    finally:
        shutil.rmtree(folder)


def test_open_buffers_override_the_disk(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial", "0002_b")
    index = WorkspaceIndex(str(tmp_path))
    index.load(use_cache=False)
    assert index.leaves("blog") == (("blog", "0002_b"),)
    path = "blog/migrations/0002_b.py"
    text = (tmp_path / path).read_text().replace("('blog', '0001_initial'),", "")
    change = index.set_overlay(path, text)
    assert change.apps == {"blog"}
    assert index.leaves("blog") == (("blog", "0001_initial"), ("blog", "0002_b"))
    assert [p.code for p in index.problems_for(path)] == ["MM009"]
    assert index.set_overlay(path, None).apps == {"blog"}
    assert index.leaves("blog") == (("blog", "0002_b"),)
    assert index.problems_for(path) == []


def test_manifest_and_new_apps(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial")
    (tmp_path / "migrations.toml").write_text(
        render_manifest({"blog": ("0001_initial", "blog/migrations")})
    )
    index = WorkspaceIndex(str(tmp_path))
    index.load(use_cache=False)
    assert index.check() == []
    write_migration(tmp_path, "blog", "0002_b", [("blog", "0001_initial")])
    assert index.refresh("blog/migrations/0002_b.py").apps == {"blog"}
    assert [p.code for p in index.check()] == ["MM007"]
    write_chain(tmp_path, "shop", "0001_initial")
    assert index.refresh("shop/migrations/0001_initial.py").reloaded
    assert sorted(p.code for p in index.check()) == ["MM005", "MM007"]
    (tmp_path / "migrations.toml").write_text(
        render_manifest(
            {"blog": ("0002_b", "blog/migrations"), "shop": ("0001_initial", "shop/migrations")}
        )
    )
    change = index.refresh("migrations.toml")
    assert change.manifest
    assert not change.reloaded
    assert index.check() == []


def test_dependencies_across_components_are_checked(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial", "0002_b")
    path = write_migration(tmp_path, "shop", "0001_initial", [("blog", "0009_missing")])
    index = WorkspaceIndex(str(tmp_path))
    index.load(use_cache=False)
    relative = path.relative_to(tmp_path).as_posix()
    (problem,) = index.problems_for(relative)
    assert problem.code == "MM110"
    assert problem.message == "shop.0001_initial depends on blog.0009_missing, which does not exist"
    line = path.read_text().splitlines()[problem.line - 1]
    assert problem.span is not None
    assert line[problem.span.column : problem.span.end_column] == "'0009_missing'"
    assert index.node_exists(("blog", "0002_b"))
    assert index.node_exists(("auth", "0001_initial"))  # outside the repository: not checked
