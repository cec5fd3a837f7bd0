"""Other apps that override ``makemigrations`` (django-migration-linter, django-linear-migrations
and the like): the hook lives on Django's command class, so every subclass inherits it, in either
order of ``INSTALLED_APPS``. A command that does not subclass Django's escapes it, and
``manage.py check`` reports the stale manifest."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_harness import ENTRIES, DjangoProject, make_project, manifest_bytes

SUBTITLE = "subtitle = models.CharField(max_length=200, blank=True)"
AFTER = {**ENTRIES, "store": ("0003_book_subtitle", "catalog/migrations")}

#: A makemigrations that replaces Django's handle() entirely and never calls super().
NO_SUPER = '''\
from pathlib import Path

from django.core.management.commands import makemigrations

MIGRATION = """from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("store", "0002_book_isbn")]
    operations = []
"""


class Command(makemigrations.Command):
    def handle(self, *app_labels, **options):
        Path("catalog/migrations/0003_handwritten.py").write_text(MIGRATION)
        self.stdout.write("rawmigrations: wrote 0003_handwritten")
'''

#: A makemigrations that is not Django's command at all (Django 5.2's own checks want it to name
#: an autodetector, as Django's does).
NOT_A_SUBCLASS = (
    NO_SUPER.replace(
        "from django.core.management.commands import makemigrations",
        "from django.core.management.base import BaseCommand\n"
        "from django.db.migrations.autodetector import MigrationAutodetector",
    )
    .replace("makemigrations.Command", "BaseCommand")
    .replace("    def handle", "    autodetector = MigrationAutodetector\n\n    def handle")
)


@pytest.fixture
def project(tmp_path: Path) -> DjangoProject:
    return make_project(tmp_path)


def install_first(project: DjangoProject, *apps: str) -> None:
    """Put ``apps`` at the front of INSTALLED_APPS (the first app's command wins)."""
    project.settings(
        f"""\
        from .settings import INSTALLED_APPS

        FIRST = {list(apps)!r}
        INSTALLED_APPS = [*FIRST, *(app for app in INSTALLED_APPS if app not in FIRST)]
        """
    )


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(("django_integration", "strictmigrations"), id="integration-first"),
        pytest.param(("strictmigrations", "django_integration"), id="override-first"),
    ],
)
def test_override_that_calls_super(project: DjangoProject, order: tuple[str, str]) -> None:
    install_first(project, *order)
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    result = project.manage("makemigrations")
    assert result.returncode == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "strictmigrations: checking the new migrations"
    assert lines[-2:] == [
        "Updated migrations.toml:",
        "  store: 0002_book_isbn -> 0003_book_subtitle",
    ]
    assert project.manifest == manifest_bytes(AFTER)


def test_override_that_never_calls_super(project: DjangoProject) -> None:
    """The hook wraps execute(), so a handle() that skips super() is still followed by it."""
    project.write("rawmigrations/__init__.py", "")
    project.write("rawmigrations/management/__init__.py", "")
    project.write("rawmigrations/management/commands/__init__.py", "")
    project.write("rawmigrations/management/commands/makemigrations.py", NO_SUPER)
    install_first(project, "rawmigrations")
    result = project.manage("makemigrations")
    assert result.returncode == 0, result.output
    assert result.stdout == (
        "rawmigrations: wrote 0003_handwritten\n"
        "Updated migrations.toml:\n"
        "  store: 0002_book_isbn -> 0003_handwritten\n"
    )
    assert project.manifest == manifest_bytes(
        {**ENTRIES, "store": ("0003_handwritten", "catalog/migrations")}
    )


def test_command_that_is_not_djangos_escapes_the_hook(project: DjangoProject) -> None:
    """Documented limit: then ``manage.py check`` catches the stale manifest."""
    project.write("rawmigrations/__init__.py", "")
    project.write("rawmigrations/management/__init__.py", "")
    project.write("rawmigrations/management/commands/__init__.py", "")
    project.write("rawmigrations/management/commands/makemigrations.py", NOT_A_SUBCLASS)
    install_first(project, "rawmigrations")
    before = project.manifest
    result = project.manage("makemigrations")
    assert result.stdout == "rawmigrations: wrote 0003_handwritten\n"
    assert project.manifest == before
    check = project.manage("check")
    assert check.returncode == 1
    assert check.stderr == (
        "SystemCheckError: System check identified some issues:\n"
        "\n"
        "ERRORS:\n"
        "migrations.toml:25: (migration_manifest.E006) apps.store.head is '0002_book_isbn' but "
        "the app's latest migration is '0003_handwritten' "
        "(catalog/migrations/0003_handwritten.py).\n"
        "\tHINT: Run `python manage.py update_migration_manifest` (makemigrations also updates "
        "migrations.toml).\n"
        "\n"
        "System check identified 1 issue (0 silenced).\n"
    )
