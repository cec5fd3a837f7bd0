"""``manage.py update_migration_manifest``: the Django-aware twin of ``python -m manifest_core
update``, its options, exit codes and messages, the ``MIGRATION_MANIFEST`` setting, and bad
input (never a traceback, never a half-written manifest)."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest
from conftest import Git
from django_harness import ENTRIES, DjangoProject, make_project, manifest_bytes

UPDATE = "python manage.py update_migration_manifest"
STALE = {**ENTRIES, "store": ("0001_initial", "catalog/migrations")}


@pytest.fixture
def project(tmp_path: Path) -> DjangoProject:
    return make_project(tmp_path)


def command(project: DjangoProject, *args: str) -> tuple[int, str, str]:
    result = project.manage("update_migration_manifest", *args)
    return result.returncode, result.stdout, result.stderr


def test_already_up_to_date(project: DjangoProject) -> None:
    before = project.manifest_path.stat()
    assert command(project) == (0, "migrations.toml is already up to date.\n", "")
    assert command(project, "--check") == (0, "migrations.toml is already up to date.\n", "")
    assert project.manifest_path.stat().st_mtime_ns == before.st_mtime_ns


def test_updates_a_stale_manifest(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(manifest_bytes(STALE))
    assert command(project) == (
        0,
        "Updated migrations.toml:\n  store: 0001_initial -> 0002_book_isbn\n",
        "",
    )
    assert project.manifest == manifest_bytes(ENTRIES)


def test_creates_a_missing_manifest(project: DjangoProject) -> None:
    project.manifest_path.unlink()
    assert command(project) == (
        0,
        "Created migrations.toml:\n"
        "  accounts: added at 0001_initial\n"
        "  billing: added at 0001_initial\n"
        "  store: added at 0002_book_isbn\n",
        "",
    )
    assert project.manifest == manifest_bytes(ENTRIES)


def test_dry_run_prints_the_diff(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(manifest_bytes(STALE))
    assert command(project, "--dry-run") == (
        0,
        "--- a/migrations.toml\n"
        "+++ b/migrations.toml\n"
        "@@ -22,5 +22,5 @@\n"
        ' path = "db_migrations/billing"\n'
        " \n"
        " [apps.store]\n"
        '-head = "0001_initial"\n'
        '+head = "0002_book_isbn"\n'
        ' path = "catalog/migrations"\n'
        "Dry run: migrations.toml was not written.\n",
        "",
    )
    assert project.manifest == manifest_bytes(STALE)


def test_check_fails_on_a_stale_manifest(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(manifest_bytes(STALE))
    assert command(project, "--check") == (
        1,
        "migrations.toml is out of date:\n  store: 0001_initial -> 0002_book_isbn\n",
        f"CommandError: migrations.toml is out of date; run `{UPDATE}`.\n",
    )
    assert project.manifest == manifest_bytes(STALE)


def test_conflicted_manifest_is_rewritten(project: DjangoProject) -> None:
    text = project.manifest.decode().replace(
        'head = "0002_book_isbn"\n',
        '<<<<<<< HEAD\nhead = "0002_book_isbn"\n=======\nhead = "0001_initial"\n>>>>>>> b\n',
    )
    project.manifest_path.write_text(text)
    assert command(project) == (
        0,
        "Updated migrations.toml:\n"
        "  store: 0002_book_isbn / 0001_initial (conflicted) -> 0002_book_isbn\n",
        "",
    )
    assert project.manifest == manifest_bytes(ENTRIES)


def test_empty_manifest_is_rewritten(project: DjangoProject) -> None:
    project.manifest_path.write_text("")
    code, out, _ = command(project)
    assert (code, out.splitlines()[0]) == (0, "Updated migrations.toml:")
    assert project.manifest == manifest_bytes(ENTRIES)


def test_entries_for_apps_that_are_gone_are_removed(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(
        manifest_bytes(
            {
                **ENTRIES,
                "gone": ("0003_last", "gone/migrations"),
                "legacy": ("0001_initial", "legacy/migrations"),
                "vendorapp": ("0001_initial", "vendor/migrations"),
            }
        )
    )
    code, out, _ = command(project)
    assert code == 0
    assert out.splitlines() == [
        "Updated migrations.toml:",
        "  gone: removed (no migrations on disk)",
        "  legacy: removed: its migrations are disabled (MIGRATION_MODULES maps it to None)",
        f"  vendorapp: removed: its migrations are outside the repository "
        f"({project.site_packages.resolve() / 'vendorapp' / 'migrations'})",
    ]
    assert project.manifest == manifest_bytes(ENTRIES)


def test_read_only_manifest(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(manifest_bytes(STALE))
    project.manifest_path.chmod(0o444)
    assert command(project) == (
        1,
        "",
        "CommandError: migrations.toml was not written: migrations.toml: the file is read-only; "
        "make it writable and run again\n",
    )
    assert project.manifest == manifest_bytes(STALE)
    assert stat.S_IMODE(project.manifest_path.stat().st_mode) == 0o444
    assert [p.name for p in project.root.iterdir() if p.name.startswith(".migrations")] == []


def test_several_leaves_are_refused(project: DjangoProject) -> None:
    for name in ("0003_left", "0003_right"):
        project.write(
            f"catalog/migrations/{name}.py",
            """\
            from django.db import migrations


            class Migration(migrations.Migration):
                dependencies = [("store", "0002_book_isbn")]
                operations = []
            """,
        )
    before = project.manifest
    assert command(project) == (
        1,
        "",
        "CommandError: migrations.toml was not written: app 'store' has 2 leaf migrations "
        "(0003_left, 0003_right): run `python manage.py makemigrations --merge` to merge them, "
        "or `python -m manifest_core resolve` to renumber one branch's migrations after the "
        "other's.\n",
    )
    assert project.manifest == before


def test_django_cannot_load_the_migrations(project: DjangoProject) -> None:
    project.write(
        "catalog/migrations/0003_conflicted.py",
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "<<<<<<< HEAD\n    dependencies = [('store', '0002_book_isbn')]\n=======\n",
    )
    code, out, err = command(project)
    assert (code, out) == (1, "")
    # SyntaxError or IndentationError, in words that vary with the Python version
    assert err.startswith("CommandError: Django cannot load the migrations: ")
    assert err.endswith("(catalog/migrations/0003_conflicted.py, line 5).\n")


def test_invalid_setting_is_a_usage_error(project: DjangoProject) -> None:
    project.settings('MIGRATION_MANIFEST = {"update_on_write": "yes"}\n')
    assert command(project) == (
        2,
        "",
        "CommandError: MIGRATION_MANIFEST['update_on_write'] must be True or False.\n",
    )


def test_listing_an_app_outside_the_repository(project: DjangoProject) -> None:
    project.settings('MIGRATION_MANIFEST = {"apps": ["store", "vendorapp"]}\n')
    code, _, err = command(project)
    assert code == 2
    assert err == (
        "CommandError: MIGRATION_MANIFEST['apps'] lists 'vendorapp', but its migrations "
        f"({project.site_packages.resolve() / 'vendorapp' / 'migrations'}) are outside the "
        f"repository root {project.root.resolve()}.\n"
    )


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        pytest.param('{"apps": ["store"]}', ["store"], id="apps"),
        pytest.param('{"exclude": ["billing"]}', ["accounts", "store"], id="exclude"),
        pytest.param(
            '{"apps": ["store", "billing"], "exclude": ["billing"]}', ["store"], id="both"
        ),
    ],
)
def test_first_party_apps_from_the_setting(
    project: DjangoProject, setting: str, expected: list[str]
) -> None:
    project.settings(f"MIGRATION_MANIFEST = {setting}\n")
    code, _, _ = command(project)
    assert code == 0
    assert project.manifest == manifest_bytes({label: ENTRIES[label] for label in expected})
    assert project.manage("check").returncode == 0


def test_manifest_path_setting(project: DjangoProject) -> None:
    project.manifest_path.unlink()
    project.settings(
        """\
        from .settings import BASE_DIR

        MIGRATION_MANIFEST = {"manifest": BASE_DIR / "shopsite" / "migrations.toml"}
        """
    )
    code, out, _ = command(project)
    assert (code, out.splitlines()[0]) == (0, "Created shopsite/migrations.toml:")
    assert (project.root / "shopsite/migrations.toml").read_bytes() == manifest_bytes(ENTRIES)
    assert not project.manifest_path.exists()


def test_root_defaults_to_the_git_work_tree(tmp_path: Path) -> None:
    """A Django project in a subfolder of a repository: paths are relative to the repository."""
    made = make_project(tmp_path / "made")
    repo = tmp_path / "repo"
    shutil.copytree(made.root, repo / "backend")
    project = DjangoProject(repo / "backend", made.site_packages)
    project.manifest_path.unlink()
    project.settings("MIGRATION_MANIFEST = {}\n")
    # the static tools read the pyproject.toml at the repository root: the rule that counts apps
    (repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nexclude = ["backend/legacy/migrations"]\n'
    )
    Git(repo)
    code, out, _ = command(project)
    assert (code, out.splitlines()[0]) == (0, "Created migrations.toml:")
    assert (repo / "migrations.toml").read_bytes() == manifest_bytes(
        {label: (head, f"backend/{path}") for label, (head, path) in ENTRIES.items()}
    )


def test_root_defaults_to_base_dir_without_git(project: DjangoProject) -> None:
    project.settings("MIGRATION_MANIFEST = {}\n")
    assert command(project) == (0, "migrations.toml is already up to date.\n", "")
