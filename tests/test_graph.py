"""Targeted cases of Django's graph semantics, each checked against Django's own loader too."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from conftest import Oracle
from migration_repos import Repo, Spec, write_repo

from manifest_core.graph import build_graph
from manifest_core.model import Key, Migration, MigrationFile, Problem, Ref, RefKind
from manifest_core.project import load_project

_counter = itertools.count()


def m(
    app: str,
    name: str,
    deps: Sequence[Key] = (),
    replaces: Sequence[Key] = (),
    run_before: Sequence[Key] = (),
) -> Migration:
    return Migration(
        app,
        MigrationFile(
            path=f"{app}/migrations/{name}.py",
            name=name,
            dependencies=tuple(Ref(a, n) for a, n in deps),
            replaces=tuple(Ref(a, n) for a, n in replaces),
            run_before=tuple(Ref(a, n) for a, n in run_before),
            has_migration_class=True,
        ).decl(),
    )


def codes(problems: tuple[Problem, ...]) -> list[str]:
    return [p.code for p in problems]


def against_django(oracle: Oracle, tmp_path: Path, specs: list[Spec]) -> dict[str, object]:
    """Write ``specs``, load them statically and with Django, and return Django's answer."""
    package = f"graph_{os.getpid()}_{next(_counter)}"
    modules = write_repo(Repo(specs), str(tmp_path), package)
    answer: dict[str, object] = oracle.load(str(tmp_path), modules)
    project = load_project(str(tmp_path / package), use_cache=False)
    if "nodes" in answer:
        ours = {
            f"{a}.{n}": sorted(list(k) for k in project.graph.parents[(a, n)])
            for a, n in project.graph.nodes
        }
        assert ours == answer["nodes"]
    return answer


def test_squash_with_originals_on_disk(oracle: Oracle, tmp_path: Path) -> None:
    specs = [
        Spec("alpha", "0001_initial"),
        Spec("alpha", "0002_b", [("alpha", "0001_initial")]),
        Spec(
            "alpha",
            "0001_squashed_0002_b",
            replaces=[("alpha", "0001_initial"), ("alpha", "0002_b")],
        ),
        Spec("alpha", "0003_c", [("alpha", "0002_b")]),
        Spec("beta", "0001_initial", [("alpha", "0001_initial")]),
    ]
    answer = against_django(oracle, tmp_path, specs)
    assert answer["leaves"] == {"alpha": ["0003_c"], "beta": ["0001_initial"]}


def test_dependency_on_a_deleted_original_is_remapped(oracle: Oracle, tmp_path: Path) -> None:
    specs = [
        Spec("alpha", "0001_initial", on_disk=False),
        Spec("alpha", "0002_b", [("alpha", "0001_initial")], on_disk=False),
        Spec(
            "alpha",
            "0001_squashed_0002_b",
            replaces=[("alpha", "0001_initial"), ("alpha", "0002_b")],
        ),
        Spec("beta", "0001_initial", [("alpha", "0002_b")]),
    ]
    answer = against_django(oracle, tmp_path, specs)
    assert answer["nodes"] == {
        "alpha.0001_squashed_0002_b": [],
        "beta.0001_initial": [["alpha", "0001_squashed_0002_b"]],
    }


def test_latest_and_first_resolve_before_squashing(oracle: Oracle, tmp_path: Path) -> None:
    specs = [
        Spec("alpha", "0001_initial"),
        Spec("alpha", "0002_b", [("alpha", "0001_initial")]),
        Spec(
            "alpha",
            "0001_squashed_0002_b",
            replaces=[("alpha", "0001_initial"), ("alpha", "0002_b")],
        ),
        Spec("beta", "0001_initial", [("alpha", "__latest__")]),
        Spec("gamma", "0001_initial", [("alpha", "__first__")]),
    ]
    answer = against_django(oracle, tmp_path, specs)
    assert answer["nodes"]["beta.0001_initial"] == [["alpha", "0001_squashed_0002_b"]]  # type: ignore[index]


def test_run_before_within_and_across_apps(oracle: Oracle, tmp_path: Path) -> None:
    specs = [
        Spec("alpha", "0001_initial"),
        Spec("alpha", "0002_b", [("alpha", "0001_initial")]),
        Spec("alpha", "setup", run_before=[("alpha", "0002_b"), ("beta", "0001_initial")]),
        Spec("beta", "0001_initial"),
    ]
    answer = against_django(oracle, tmp_path, specs)
    assert answer["leaves"] == {"alpha": ["0002_b"], "beta": ["0001_initial"]}


def test_nested_squash_is_reported() -> None:
    graph = build_graph(
        [
            m("alpha", "0001_a"),
            m("alpha", "0002_b", [("alpha", "0001_a")]),
            m("alpha", "0001_squashed_0002_b", replaces=[("alpha", "0001_a"), ("alpha", "0002_b")]),
            m("alpha", "0003_c", [("alpha", "0002_b")]),
            m(
                "alpha",
                "0001_squashed_0003_c",
                replaces=[("alpha", "0001_squashed_0002_b"), ("alpha", "0003_c")],
            ),
        ]
    )
    assert codes(graph.problems) == ["MM112"]
    assert graph.problems[0].message == (
        "alpha.0001_squashed_0003_c replaces alpha.0001_squashed_0002_b, which is itself a "
        "squashed migration still listing `replaces`"
    )
    assert graph.nodes == {("alpha", "0001_squashed_0003_c")}


def test_overlapping_squashes_are_reported() -> None:
    graph = build_graph(
        [
            m("alpha", "0001_a"),
            m("alpha", "0002_b", [("alpha", "0001_a")]),
            m("alpha", "0003_c", [("alpha", "0002_b")]),
            m("alpha", "s1", replaces=[("alpha", "0001_a"), ("alpha", "0002_b")]),
            m("alpha", "s2", replaces=[("alpha", "0002_b"), ("alpha", "0003_c")]),
        ]
    )
    assert codes(graph.problems) == ["MM112"]
    assert graph.problems[0].message == "alpha.0002_b is replaced by both alpha.s1 and alpha.s2"


def test_external_apps_are_kept_and_typos_are_suspected() -> None:
    graph = build_graph(
        [
            m("blog", "0001_initial", [("auth", "0012_alter_user"), ("contenttypes", "__first__")]),
            m("shop", "0001_initial", [("blgo", "0001_initial"), ("payments", "0003_x")]),
        ]
    )
    assert graph.parents[("blog", "0001_initial")] == {
        ("auth", "0012_alter_user"),
        ("contenttypes", "__first__"),
    }
    assert [(p.code, p.message) for p in graph.problems] == [
        (
            "MM107",
            "depends on app 'blgo', which is not in this repository; did you mean 'blog'?",
        )
    ]


def test_unknown_swappable_setting() -> None:
    migration = Migration(
        "blog",
        MigrationFile(
            path="blog/migrations/0001_initial.py",
            name="0001_initial",
            dependencies=(Ref("", "__first__", kind=RefKind.SWAPPABLE, setting="OAUTH_APP_MODEL"),),
            has_migration_class=True,
        ).decl(),
    )
    graph = build_graph([migration])
    assert codes(graph.problems) == ["MM106"]
    configured = build_graph([migration], {"OAUTH_APP_MODEL": "oauth.Application"})
    assert configured.parents[("blog", "0001_initial")] == {("oauth", "__first__")}


def test_cross_app_replaces_changes_the_other_apps_leaves(oracle: Oracle, tmp_path: Path) -> None:
    specs = [
        Spec("alpha", "0001_initial"),
        Spec("alpha", "0002_b", [("alpha", "0001_initial")]),
        Spec(
            "beta",
            "0001_initial",
            replaces=[("alpha", "0002_b")],
            dependencies=[("alpha", "0001_initial")],
        ),
    ]
    answer = against_django(oracle, tmp_path, specs)
    assert answer["leaves"] == {"alpha": ["0001_initial"], "beta": ["0001_initial"]}


def test_first_depending_on_load_order_is_reported() -> None:
    # beta depends on gamma's deleted "0003_initial", a placeholder that sorts before gamma's real
    # first migration: whether gamma.__first__ means it depends on which app Django loads first.
    graph = build_graph(
        [
            m("gamma", "initial_1"),
            m(
                "gamma",
                "0002_squashed",
                [("gamma", "initial_1")],
                replaces=[("gamma", "0003_initial")],
            ),
            m("beta", "0001_initial", [("gamma", "0003_initial")]),
            m("auth", "0001_initial", [("gamma", "__first__")]),
        ]
    )
    assert [(p.code, p.message) for p in graph.problems] == [
        (
            "MM116",
            "gamma.__first__ points at gamma.initial_1 or at gamma.0003_initial, depending on "
            "the order in which Django loads apps and migrations",
        ),
        (
            "MM124",
            "beta.0001_initial depends on gamma.0003_initial, which exists only in the "
            "`replaces` of gamma.0002_squashed: depend on gamma.0002_squashed instead",
        ),
    ]
    assert [p.severity.label for p in graph.problems] == ["warning", "warning"]


def test_first_is_stable_with_numbered_names() -> None:
    graph = build_graph(
        [
            m(
                "shop",
                "0001_squashed_0002_x",
                replaces=[("shop", "0001_initial"), ("shop", "0002_x")],
            ),
            m("blog", "0001_initial", [("shop", "0001_initial")]),
            m("auth", "0001_initial", [("shop", "__first__")]),
        ]
    )
    # stable: no MM116; only the warning that blog depends on a migration the squash replaced
    assert [p.code for p in graph.problems] == ["MM124"]


@pytest.mark.parametrize("squashed_app", ["alpha", "zeta"])
def test_replaced_dependency_is_told_only_to_migrations_that_stay(squashed_app: str) -> None:
    # gamma's own squash replaces the two migrations that depend on the squashed-away migration:
    # they go with gamma's squash, so only that squash is told to depend on the other squash,
    # whichever app's squash Django puts in place first
    other = squashed_app
    graph = build_graph(
        [
            m(other, "0001_squashed_0002", replaces=[(other, "0001_initial"), (other, "0002_b")]),
            m("gamma", "0001_initial", [(other, "0001_initial")]),
            m("gamma", "0002_c", [("gamma", "0001_initial"), (other, "0001_initial")]),
            m(
                "gamma",
                "0001_squashed_0002_c",
                [(other, "0001_initial")],
                replaces=[("gamma", "0001_initial"), ("gamma", "0002_c")],
            ),
        ]
    )
    assert [(p.code, p.path) for p in graph.problems] == [
        ("MM124", "gamma/migrations/0001_squashed_0002_c.py")
    ]
