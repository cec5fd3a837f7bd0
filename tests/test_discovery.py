"""Finding migration packages and naming their apps, without importing anything."""

from __future__ import annotations

import shutil
from pathlib import Path

import django
import pytest
from conftest import run_cli, write_chain

from manifest_core.config import Config, compile_patterns
from manifest_core.labels import label_from_apps_py
from manifest_core.manifest import render_manifest
from manifest_core.project import load_project


def apps_of(root: Path, config: Config | None = None) -> dict[str, str]:
    project = load_project(str(root), config=config, use_cache=False)
    return {label: app.path for label, app in project.apps.items()}


def test_skips_environments_dependencies_and_build_output(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial")
    write_chain(tmp_path / "node_modules" / "pkg", "npmapp", "0001_initial")
    write_chain(tmp_path / "lib" / "python3.11" / "site-packages", "thirdparty", "0001_initial")
    write_chain(tmp_path / "build" / "lib", "built", "0001_initial")
    write_chain(tmp_path / ".git", "gitapp", "0001_initial")
    write_chain(tmp_path / "pkg.egg-info", "egg", "0001_initial")
    env = tmp_path / "myenv"
    write_chain(env / "lib", "venvapp", "0001_initial")
    (env / "pyvenv.cfg").write_text("home = /usr\n")
    assert apps_of(tmp_path) == {"blog": "blog/migrations"}


def test_configured_excludes(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial")
    write_chain(tmp_path / "tests" / "fixtures", "fixture_app", "0001_initial")
    write_chain(tmp_path / "legacy" / "deep", "old", "0001_initial")
    write_chain(tmp_path / "src", "sample", "0001_initial")
    config = Config(exclude=("tests/fixtures", "legacy/**", "sample"))
    assert apps_of(tmp_path, config) == {"blog": "blog/migrations"}


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("tests/fixtures", "tests/fixtures", True),
        ("tests/fixtures", "tests/fixtures/app/migrations", True),
        ("tests/fixtures", "src/tests/fixtures", False),
        ("fixtures", "src/tests/fixtures", True),
        ("**/legacy", "a/b/legacy/c", True),
        ("app_*", "apps/app_1", True),
        ("app_*", "apps/app_1x/y", True),
        ("app_?", "apps/app_12", False),
    ],
)
def test_exclude_patterns(pattern: str, path: str, matches: bool) -> None:
    regex = compile_patterns((pattern,))
    assert regex is not None
    assert bool(regex.match(path)) is matches


def test_label_precedence(tmp_path: Path) -> None:
    write_chain(tmp_path, "reviews", "0001_initial", folder="reviews")
    (tmp_path / "reviews" / "apps.py").write_text(
        "from django.apps import AppConfig\n\n\nclass ReviewsConfig(AppConfig):\n"
        '    name = "reviews"\n    label = "book_reviews"\n'
    )
    write_chain(tmp_path, "x", "0001_initial", folder="shop")
    write_chain(tmp_path, "x", "0001_initial", folder="legacy/core")
    (tmp_path / "migrations.toml").write_text(
        render_manifest({"store": ("0001_initial", "shop/migrations")})
    )
    config = Config(labels={"legacy/core/migrations": "legacy_core"})
    project = load_project(str(tmp_path), config=config, use_cache=False)
    sources = {label: (app.path, app.label_source) for label, app in project.apps.items()}
    assert sources == {
        "book_reviews": ("reviews/migrations", "apps.py"),
        "store": ("shop/migrations", "migrations.toml"),
        "legacy_core": ("legacy/core/migrations", "pyproject.toml"),
    }


def test_manifest_paths_find_unusual_layouts(tmp_path: Path) -> None:
    # MIGRATION_MODULES = {"blog": "db_migrations.blog"}: not a folder named ``migrations``
    write_chain(tmp_path, "blog", "0001_initial", "0002_x", folder="db_migrations")
    folder = tmp_path / "db_migrations" / "migrations"
    target = tmp_path / "db_migrations" / "blog"
    shutil.move(folder, target)
    (tmp_path / "migrations.toml").write_text(
        render_manifest({"blog": ("0002_x", "db_migrations/blog")})
    )
    assert apps_of(tmp_path) == {"blog": "db_migrations/blog"}
    assert run_cli("--root", str(tmp_path), "--no-cache", "check")[0] == 0


def test_duplicate_labels_name_both_folders(tmp_path: Path) -> None:
    write_chain(tmp_path, "core", "0001_initial", folder="apps/core")
    write_chain(tmp_path, "core", "0001_initial", folder="legacy/core")
    code, out, _ = run_cli("--root", str(tmp_path), "--no-cache", "check")
    assert code == 1
    assert (
        "legacy/core/migrations:1:1: error[MM113]: app label 'core' (from the folder name) is "
        "already taken by apps/core/migrations (from the folder name); this folder is left out\n"
        "    see: apps/core/migrations:1\n"
    ) in out


def test_folders_that_only_share_the_name(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial")
    # a migration framework's own package (Django's, vendored)
    framework = tmp_path / "vendor" / "django" / "db" / "migrations"
    shutil.copytree(Path(django.__file__).parent / "db" / "migrations", framework)
    # a helper library that happens to carry the name
    helpers = tmp_path / "utils" / "migrations"
    helpers.mkdir(parents=True)
    (helpers / "__init__.py").write_text("")
    (helpers / "operations.py").write_text(
        "from django.db.migrations.operations.base import Operation\n\n\n"
        "class LoadFixture(Operation):\n    reversible = True\n"
    )
    # a folder of tests about migrations
    tests = tmp_path / "tests" / "migrations"
    tests.mkdir(parents=True)
    (tests / "__init__.py").write_text("")
    for name in ("test_0002_data", "test_squash", "test_graph"):
        (tests / f"{name}.py").write_text("def test_it():\n    assert True\n")
    (tests / "test_inline.py").write_text(
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = []\n"
    )
    project = load_project(str(tmp_path), use_cache=False)
    assert set(project.apps) == {"blog"}
    assert set(project.skipped) >= {
        "vendor/django/db/migrations",
        "utils/migrations",
        "tests/migrations",
    }
    assert [p for p in project.problems if p.severity.label != "info"] == []


def test_stray_module_in_a_real_package_is_reported(tmp_path: Path) -> None:
    write_chain(tmp_path, "blog", "0001_initial", "0002_x")
    (tmp_path / "blog" / "migrations" / "helpers.py").write_text("def f():\n    pass\n")
    (tmp_path / "blog" / "migrations" / "_private.py").write_text("def f():\n    pass\n")
    (tmp_path / "blog" / "migrations" / "~backup.py").write_text("junk")
    (tmp_path / "blog" / "migrations" / "notes.txt").write_text("junk")
    (tmp_path / "blog" / "migrations" / "sub").mkdir()
    (tmp_path / "blog" / "migrations" / "sub" / "__init__.py").write_text("")
    project = load_project(str(tmp_path), use_cache=False)
    assert [(p.code, p.path, p.message) for p in project.problems] == [
        (
            "MM102",
            "blog/migrations/helpers.py",
            "defines no Migration class; Django raises BadMigrationError when loading it",
        )
    ]
    assert project.graph.leaves["blog"] == (("blog", "0002_x"),)


@pytest.mark.parametrize(
    ("source", "label"),
    [
        pytest.param("class A(AppConfig):\n    label = 'one'\n", "one", id="single"),
        pytest.param(
            "class A(AppConfig):\n    label = 'one'\n\nclass B(AppConfig):\n    label = 'two'\n",
            None,
            id="two-without-default",
        ),
        pytest.param(
            "class A(AppConfig):\n    label = 'one'\n\nclass B(AppConfig):\n    label = 'two'\n"
            "    default = True\n",
            "two",
            id="two-with-default",
        ),
        pytest.param(
            "class A(apps.AppConfig):\n    label = 'one'\n\nclass B(A):\n    default = False\n",
            "one",
            id="default-false-ignored",
        ),
        pytest.param(
            "class A(AppConfig):\n    label = 'one'\n\nclass B(A):\n    label = 'two'\n",
            None,
            id="indirect-subclass-makes-two",
        ),
        pytest.param("class A(AppConfig):\n    name = 'x.y'\n", None, id="no-label"),
        pytest.param("class A(AppConfig):\n    label: str = 'typed'\n", "typed", id="annotated"),
        pytest.param("this is not python", None, id="broken"),
    ],
)
def test_label_from_apps_py(source: str, label: str | None) -> None:
    assert label_from_apps_py(source.encode()) == label
