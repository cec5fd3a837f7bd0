"""In-process tests with pytest-django: Django is set up once, on a copy of the example project,
and pytest-django's ``settings`` fixture varies ``MIGRATION_MANIFEST`` per test. Fast, and close
to the code: Django's view, the check modes, the setting's validation, the hooks' installation."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from django_harness import ENTRIES, DjangoProject, make_project, manifest_bytes


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DjangoProject]:
    """Django set up in this process on a copy of the example project (once per session)."""
    import django
    from django.conf import settings

    if settings.configured:  # pragma: no cover - only when run twice in one process
        pytest.skip("Django is already configured in this process")
    project = make_project(tmp_path_factory.mktemp("inprocess"))
    sys.path[:0] = [str(project.root), str(project.site_packages)]
    os.environ["DJANGO_SETTINGS_MODULE"] = "shopsite.settings"
    try:
        django.setup()
    finally:
        # Subprocesses started by other tests must not inherit the settings module.
        del os.environ["DJANGO_SETTINGS_MODULE"]
    yield project
    for entry in (str(project.root), str(project.site_packages)):
        sys.path.remove(entry)


@pytest.fixture
def project(shop: DjangoProject, settings: Any) -> Iterator[DjangoProject]:
    """The shared copy, with its manifest restored after each test."""
    before = shop.manifest
    yield shop
    shop.manifest_path.write_bytes(before)


def call(*args: str) -> str:
    from django.core.management import call_command

    out = io.StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def manifest_messages(mode: Any = None) -> list[tuple[str, str, str]]:
    from django.core.checks import run_checks

    from django_integration.checks import checks_mode

    if mode is None:
        messages = run_checks(tags=["migration_manifest"])
    else:
        with checks_mode(mode):
            messages = run_checks(tags=["migration_manifest"])
    return [(type(m).__name__, m.id, m.msg) for m in messages]


def test_django_view_of_the_example(project: DjangoProject) -> None:
    from django_integration.conf import load_settings
    from django_integration.view import load_view

    view = load_view(load_settings())
    assert view.entries() == ENTRIES
    assert {label: app.migration_count for label, app in view.apps.items()} == {
        "accounts": 1,
        "billing": 1,
        "store": 2,
    }
    assert view.apps["store"].heads[0].path == "catalog/migrations/0002_book_isbn.py"
    reasons = dict(view.left_out)
    assert (
        reasons.pop("legacy") == "its migrations are disabled (MIGRATION_MODULES maps it to None)"
    )
    assert reasons.pop("strictmigrations") == "it has no migrations package"
    assert reasons.pop("migration_manifest") == "it has no migrations package"
    vendor = reasons.pop("vendorapp")
    assert vendor.startswith("its migrations are outside the repository (")
    assert sorted(reasons) == ["auth", "contenttypes"]  # Django's own, outside the repository


def test_committed_manifest_is_current(project: DjangoProject) -> None:
    assert (
        call("update_migration_manifest", "--check") == "migrations.toml is already up to date.\n"
    )
    assert manifest_messages() == []


def test_severity_follows_the_command(project: DjangoProject, settings: Any) -> None:
    from django.core.management.base import SystemCheckError

    from django_integration.checks import Mode

    settings.MIGRATION_MANIFEST = {**settings.MIGRATION_MANIFEST, "exclude": ["billing"]}
    message = (
        "[apps.billing] names an app that is not first-party: MIGRATION_MANIFEST['exclude'] "
        "leaves it out."
    )
    # Outside any command (and in runserver, migrate...): warnings.
    assert manifest_messages() == [("Warning", "migration_manifest.E005", message)]
    assert manifest_messages(Mode.STRICT) == [("Error", "migration_manifest.E005", message)]
    assert manifest_messages(Mode.SKIP) == []
    # manage.py check: errors.
    with pytest.raises(SystemCheckError, match=r"\(migration_manifest\.E005\)"):
        call("check")


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"root": 1}, "MIGRATION_MANIFEST['root'] must be a path."),
        ({"manifest": 3}, "MIGRATION_MANIFEST['manifest'] must be a path."),
        ({"manifest": "../outside.toml"}, "MIGRATION_MANIFEST['manifest'] must be a file inside"),
        ({"manifest": "/etc/migrations.toml"}, "MIGRATION_MANIFEST['manifest'] must be inside"),
        ({"apps": "store"}, "MIGRATION_MANIFEST['apps'] must be a list of app labels."),
        ({"apps": ["store", 3]}, "MIGRATION_MANIFEST['apps'] must be a list of app labels; 3 is"),
        ({"exclude": ["a", "b"]}, "MIGRATION_MANIFEST['exclude'] names 'a', 'b', which are not"),
        ({"update_on_write": 1}, "MIGRATION_MANIFEST['update_on_write'] must be True or False."),
    ],
)
def test_invalid_settings(
    project: DjangoProject, settings: Any, setting: dict[str, Any], message: str
) -> None:
    settings.MIGRATION_MANIFEST = {"root": project.root, **setting}
    [(kind, check_id, text)] = manifest_messages()
    assert (kind, check_id) == ("Warning", "migration_manifest.E010")
    assert text.startswith(message)


def test_app_configs_restrict_per_app_findings(project: DjangoProject) -> None:
    from django.apps import apps
    from django.core.checks import run_checks

    project.manifest_path.write_bytes(
        manifest_bytes({**ENTRIES, "store": ("0001_initial", "catalog/migrations")})
    )
    accounts = [apps.get_app_config("accounts")]
    store = [apps.get_app_config("store")]
    assert run_checks(app_configs=accounts, tags=["migration_manifest"]) == []
    [stale] = run_checks(app_configs=store, tags=["migration_manifest"])
    assert (stale.id, stale.obj) == ("migration_manifest.E006", "migrations.toml:25")
    project.manifest_path.unlink()  # a finding about the whole file is always reported
    [missing] = run_checks(app_configs=accounts, tags=["migration_manifest"])
    assert missing.id == "migration_manifest.E001"


def test_hooks_install_once(project: DjangoProject) -> None:
    from django.core.management.commands import makemigrations

    from django_integration import hooks

    wrapped = makemigrations.Command.execute
    hooks.install()
    hooks.install()
    assert makemigrations.Command.execute is wrapped
    assert wrapped.__wrapped__ is makemigrations.BaseCommand.execute


def test_hooks_are_off_in_the_test_environment(project: DjangoProject) -> None:
    """Tests that call makemigrations (say, into temporary MIGRATION_MODULES) never touch the
    repository's manifest."""
    from django.test.utils import setup_test_environment, teardown_test_environment

    from django_integration.hooks import in_test_environment

    assert not in_test_environment()
    before = project.manifest
    setup_test_environment()
    try:
        assert in_test_environment()
        out = call("makemigrations", "store", "--empty", "--name", "in_a_test")
    finally:
        teardown_test_environment()
        migration = project.root / "catalog/migrations/0003_in_a_test.py"
        written = migration.exists()
        migration.unlink(missing_ok=True)
    assert written
    assert "migrations.toml" not in out
    assert project.manifest == before
