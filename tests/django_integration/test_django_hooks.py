"""Write hooks: every command that writes migration files leaves migrations.toml current.

Each test copies the example project (tests/django_project) and runs the real ``manage.py``
command in a subprocess, then compares the manifest byte for byte with what it must be.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django_harness import ENTRIES, DjangoProject, make_project, manifest_bytes

ISBN = "0002_book_isbn"
SUBTITLE = "subtitle = models.CharField(max_length=200, blank=True)"


@pytest.fixture
def project(tmp_path: Path) -> DjangoProject:
    return make_project(tmp_path)


def entries(**heads: str) -> dict[str, tuple[str, str]]:
    """The committed entries with some heads changed."""
    result = dict(ENTRIES)
    for label, head in heads.items():
        result[label] = (head, ENTRIES[label][1])
    return result


def test_makemigrations_updates_the_manifest(project: DjangoProject) -> None:
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    result = project.manage("makemigrations")
    assert result.returncode == 0
    assert result.stdout.endswith(
        "Updated migrations.toml:\n  store: 0002_book_isbn -> 0003_book_subtitle\n"
    )
    assert project.manifest == manifest_bytes(entries(store="0003_book_subtitle"))
    assert project.manage("check").returncode == 0


def test_makemigrations_name_and_empty(project: DjangoProject) -> None:
    result = project.manage("makemigrations", "store", "--empty", "--name", "backfill_isbn")
    assert result.returncode == 0, result.output
    assert "Updated migrations.toml:\n  store: 0002_book_isbn -> 0003_backfill_isbn\n" in (
        result.stdout
    )
    assert project.manifest == manifest_bytes(entries(store="0003_backfill_isbn"))


def test_makemigrations_for_an_app_with_migration_modules(project: DjangoProject) -> None:
    project.add_field("billing/models.py", "Invoice", "paid = models.BooleanField(default=False)")
    result = project.manage("makemigrations", "billing", "--name", "invoice_paid")
    assert result.returncode == 0, result.output
    assert (project.root / "db_migrations/billing/0002_invoice_paid.py").exists()
    assert project.manifest == manifest_bytes(entries(billing="0002_invoice_paid"))


def test_a_new_app_is_added(project: DjangoProject) -> None:
    project.write("reviews/__init__.py", "")
    project.write("reviews/migrations/__init__.py", "")
    project.write(
        "reviews/models.py",
        """\
        from django.db import models


        class Review(models.Model):
            stars = models.PositiveSmallIntegerField()
        """,
    )
    project.settings(
        """\
        from .settings import INSTALLED_APPS

        INSTALLED_APPS = [*INSTALLED_APPS, "reviews"]
        """
    )
    before = project.manage("check")  # an empty migrations package is nothing to record
    assert (before.returncode, before.stderr) == (0, "")
    result = project.manage("makemigrations", "reviews")
    assert result.returncode == 0, result.output
    assert "Updated migrations.toml:\n  reviews: added at 0001_initial\n" in result.stdout
    expected = {**ENTRIES, "reviews": ("0001_initial", "reviews/migrations")}
    assert project.manifest == manifest_bytes(expected)


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(("--dry-run",), id="dry-run"),
        pytest.param(("--check",), id="check"),
        pytest.param(("--dry-run", "--check"), id="dry-run-check"),
    ],
)
def test_makemigrations_dry_run_and_check_write_nothing(
    project: DjangoProject, args: tuple[str, ...]
) -> None:
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    project.manifest_path.unlink()  # even a missing manifest is left alone
    result = project.manage("makemigrations", *args)
    assert result.returncode == (1 if "--check" in args else 0)
    assert "migrations.toml" not in result.output
    assert not project.manifest_path.exists()
    assert project.migrations("catalog/migrations") == ["0001_initial", ISBN]


def test_makemigrations_without_changes_repairs_a_stale_manifest(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(manifest_bytes(entries(store="0001_initial")))
    result = project.manage("makemigrations")
    assert result.returncode == 0
    assert result.stdout == (
        "strictmigrations: checking the new migrations\n"
        "No changes detected\n"
        "Updated migrations.toml:\n"
        "  store: 0001_initial -> 0002_book_isbn\n"
    )
    assert project.manifest == manifest_bytes(ENTRIES)


def test_unchanged_manifest_is_not_rewritten(project: DjangoProject) -> None:
    before = project.manifest_path.stat()
    result = project.manage("makemigrations")
    assert result.stdout == "strictmigrations: checking the new migrations\nNo changes detected\n"
    after = project.manifest_path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_makemigrations_update(project: DjangoProject) -> None:
    """``--update`` (Django 4.2+) folds changes into the latest migration under a new name."""
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    assert project.manage("makemigrations", "store").returncode == 0
    project.add_field("catalog/models.py", "Book", "pages = models.IntegerField(default=0)")
    result = project.manage("makemigrations", "store", "--update")
    assert result.returncode == 0, result.output
    names = project.migrations("catalog/migrations")
    assert names[:2] == ["0001_initial", ISBN]
    assert len(names) == 3
    assert names[2] != "0003_book_subtitle"
    assert f"store: 0003_book_subtitle -> {names[2]}" in result.stdout
    assert project.manifest == manifest_bytes(entries(store=names[2]))


def test_scriptable_keeps_stdout_for_paths(project: DjangoProject) -> None:
    project.add_field(
        "accounts/models.py", "User", "nickname = models.CharField(max_length=30, blank=True)"
    )
    result = project.manage("makemigrations", "accounts", "--scriptable", "--name", "nickname")
    assert result.returncode == 0, result.output
    assert result.stdout.splitlines()[-1] == "accounts/migrations/0002_nickname.py"
    assert "migrations.toml" not in result.stdout
    assert result.stderr.endswith(
        "Updated migrations.toml:\n  accounts: 0001_initial -> 0002_nickname\n"
    )


def test_squashmigrations(project: DjangoProject) -> None:
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    assert project.manage("makemigrations", "store").returncode == 0
    result = project.manage("squashmigrations", "store", "0003", "--noinput")
    assert result.returncode == 0, result.output
    assert result.stdout.endswith(
        "Updated migrations.toml:\n"
        "  store: 0003_book_subtitle -> 0001_squashed_0003_book_subtitle\n"
    )
    assert project.manifest == manifest_bytes(entries(store="0001_squashed_0003_book_subtitle"))
    assert project.manage("check").returncode == 0


def test_squashmigrations_squashed_name(project: DjangoProject) -> None:
    result = project.manage(
        "squashmigrations", "store", "0002", "--squashed-name", "catalogue", "--noinput"
    )
    assert result.returncode == 0, result.output
    assert "store: 0002_book_isbn -> 0001_catalogue" in result.stdout
    assert project.manifest == manifest_bytes(entries(store="0001_catalogue"))


def test_squashing_the_middle_of_an_app_keeps_its_head(project: DjangoProject) -> None:
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    assert project.manage("makemigrations", "store").returncode == 0
    before = project.manifest
    result = project.manage("squashmigrations", "store", "0002", "--noinput")
    assert result.returncode == 0, result.output
    assert "migrations.toml" not in result.output
    assert project.manifest == before


def test_optimizemigration(project: DjangoProject) -> None:
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    project.add_field("catalog/models.py", "Author", "born = models.IntegerField(null=True)")
    assert project.manage("makemigrations", "store", "--name", "details").returncode == 0
    project.manifest_path.unlink()
    result = project.manage("optimizemigration", "store", "0003")
    assert result.returncode == 0, result.output
    assert result.stdout.endswith(
        "Created migrations.toml:\n"
        "  accounts: added at 0001_initial\n"
        "  billing: added at 0001_initial\n"
        "  store: added at 0003_details\n"
    )
    assert project.manifest == manifest_bytes(entries(store="0003_details"))


def test_optimizemigration_check_writes_nothing(project: DjangoProject) -> None:
    project.manifest_path.unlink()
    result = project.manage("optimizemigration", "store", "0002", "--check")
    assert result.returncode == 0, result.output
    assert not project.manifest_path.exists()


def test_third_party_upgrade_never_churns_the_manifest(project: DjangoProject) -> None:
    before = project.manifest
    project.upgrade_vendor()
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    result = project.manage("makemigrations", "store")
    assert result.returncode == 0, result.output
    assert project.manifest == manifest_bytes(entries(store="0003_book_subtitle"))
    assert b"vendorapp" not in project.manifest
    assert before != project.manifest
    assert project.manage("check").returncode == 0


def test_third_party_app_in_a_virtualenv_inside_the_repository(tmp_path: Path) -> None:
    project = make_project(tmp_path, vendor_inside=True)
    project.upgrade_vendor()
    result = project.manage("update_migration_manifest")
    assert result.stdout == "migrations.toml is already up to date.\n"
    assert project.manage("check").returncode == 0


def test_read_only_manifest_is_a_clean_command_error(project: DjangoProject) -> None:
    before = project.manifest
    project.manifest_path.chmod(0o444)
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    result = project.manage("makemigrations", "store")
    assert result.returncode == 1
    assert result.stderr == (
        "CommandError: makemigrations finished, but migrations.toml was not updated: "
        "migrations.toml: the file is read-only; make it writable and run again. "
        "Once that is fixed, run `python manage.py update_migration_manifest`.\n"
    )
    assert project.migrations("catalog/migrations")[-1] == "0003_book_subtitle"
    assert project.manifest == before
    assert stat.S_IMODE(project.manifest_path.stat().st_mode) == 0o444
    assert sorted(p.name for p in project.root.glob(".migrations.toml*")) == []


def test_update_on_write_false(project: DjangoProject) -> None:
    project.settings(
        """\
        from .settings import MIGRATION_MANIFEST

        MIGRATION_MANIFEST = {**MIGRATION_MANIFEST, "update_on_write": False}
        """
    )
    before = project.manifest
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    result = project.manage("makemigrations", "store")
    assert result.returncode == 0
    assert "migrations.toml" not in result.output
    assert project.manifest == before


def test_several_leaves_elsewhere_leave_the_manifest_alone(project: DjangoProject) -> None:
    """makemigrations for one app runs while another has two leaves: the manifest waits."""
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
    project.add_field("billing/models.py", "Invoice", "paid = models.BooleanField(default=False)")
    result = project.manage("makemigrations", "billing", "--name", "invoice_paid")
    assert result.returncode == 0, result.output
    assert result.stderr == (
        "migrations.toml was not updated: app 'store' has 2 leaf migrations "
        "(0003_left, 0003_right): run `python manage.py makemigrations --merge` to merge them, "
        "or `python -m manifest_core resolve` to renumber one branch's migrations after the "
        "other's.\n"
    )
    assert project.manifest == before
