"""``manage.py check``: every ``migration_manifest`` check, with its exact message and hint, and
the options Django users rely on (``--fail-level``, ``--deploy``, ``--tag``, app labels,
``SILENCED_SYSTEM_CHECKS``). Each test runs the real command on a copy of the example project."""

from __future__ import annotations

from pathlib import Path

import pytest
from django_harness import ENTRIES, DjangoProject, Result, make_project, manifest_bytes

CLEAN = "System check identified no issues (0 silenced).\n"
UPDATE = "python manage.py update_migration_manifest"
HINT_UPDATE = f"\tHINT: Run `{UPDATE}`.\n"
HINT_STALE = f"\tHINT: Run `{UPDATE}` (makemigrations also updates migrations.toml).\n"
HINT_GUARD = (
    "\tHINT: `python -m manifest_core` reads migrations without importing them and should always "
    "agree with Django. Check the labels and exclude settings under "
    "[tool.django-migration-manifest] in pyproject.toml; if they are right, please report this "
    f"message as a bug in django-migration-manifest. `{UPDATE}` still writes Django's view.\n"
)
STALE_STORE = (
    "migrations.toml:25: (migration_manifest.E006) apps.store.head is '0001_initial' but the "
    "app's latest migration is '0002_book_isbn' (catalog/migrations/0002_book_isbn.py).\n"
    + HINT_STALE
)


@pytest.fixture
def project(tmp_path: Path) -> DjangoProject:
    return make_project(tmp_path)


def errors(*blocks: str, count: int | None = None, warnings: tuple[str, ...] = ()) -> str:
    """The stderr of ``manage.py check`` failing with these error blocks (and warnings)."""
    total = count if count is not None else len(blocks) + len(warnings)
    text = "SystemCheckError: System check identified some issues:\n\n"
    if blocks:
        text += "ERRORS:\n" + "".join(blocks)
    if warnings:
        text += ("\n" if blocks else "") + "WARNINGS:\n" + "".join(warnings)
    return (
        text + f"\nSystem check identified {total} issue{'s' if total != 1 else ''} (0 silenced).\n"
    )


def failing(result: Result) -> str:
    assert result.returncode == 1, result.output
    assert result.stdout == ""
    return result.stderr


def stale(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(
        manifest_bytes({**ENTRIES, "store": ("0001_initial", "catalog/migrations")})
    )


def test_clean_project(project: DjangoProject) -> None:
    result = project.manage("check")
    assert (result.returncode, result.stdout, result.stderr) == (0, CLEAN, "")


def test_e001_manifest_missing(project: DjangoProject) -> None:
    project.manifest_path.unlink()
    assert failing(project.manage("check")) == errors(
        "migrations.toml: (migration_manifest.E001) migrations.toml does not exist.\n"
        f"\tHINT: Run `{UPDATE}` to create it.\n"
    )


def test_e002_conflict_markers(project: DjangoProject) -> None:
    text = project.manifest.decode()
    project.manifest_path.write_text(
        text.replace(
            'head = "0002_book_isbn"\n',
            '<<<<<<< HEAD\nhead = "0002_book_isbn"\n=======\n'
            'head = "0001_initial"\n>>>>>>> other\n',
        )
    )
    assert failing(project.manage("check")) == errors(
        "migrations.toml:25: (migration_manifest.E002) git conflict markers (lines 25-29): "
        "store (0002_book_isbn vs 0001_initial).\n"
        "\tHINT: Two branches changed the same app's entry. If both added migrations to it, run "
        "`python manage.py makemigrations --merge` to merge them, or "
        "`python -m manifest_core resolve` to renumber one branch's migrations after the other's; "
        f"otherwise run `{UPDATE}`. Each rewrites migrations.toml.\n"
    )


def test_e003_malformed_toml(project: DjangoProject) -> None:
    text = project.manifest.decode().replace("[apps.store]", "[apps.store")
    project.manifest_path.write_text(text)
    assert failing(project.manage("check")) == errors(
        "migrations.toml:24: (migration_manifest.E003) is not valid TOML: Expected ']' at the "
        "end of a table declaration.\n"
        f"\tHINT: Correct the file, or run `{UPDATE}` to rewrite it.\n"
    )


def test_e003_duplicate_table(project: DjangoProject) -> None:
    text = project.manifest.decode()
    project.manifest_path.write_text(
        text + '\n[apps.store]\nhead = "0002_book_isbn"\npath = "catalog/migrations"\n'
    )
    stderr = failing(project.manage("check"))
    assert "migrations.toml:28: (migration_manifest.E003) " in stderr
    assert "System check identified 1 issue (0 silenced)." in stderr


def test_empty_manifest(project: DjangoProject) -> None:
    project.manifest_path.write_text("")
    assert failing(project.manage("check")) == errors(
        "migrations.toml:1: (migration_manifest.E003) migrations.toml is empty.\n"
        f"\tHINT: Correct the file, or run `{UPDATE}` to rewrite it.\n"
    )


def test_e003_manifest_that_is_not_text(project: DjangoProject) -> None:
    """update_migration_manifest never edits what it cannot read, so the hint says to delete it."""
    project.manifest_path.write_bytes(b"\x00\xff binary")
    assert failing(project.manage("check")) == errors(
        "migrations.toml: (migration_manifest.E003) cannot be read as text: it contains NUL "
        "bytes (a binary file?).\n"
        f"\tHINT: Delete or move it, then run `{UPDATE}` to write it again.\n"
    )
    result = project.manage("update_migration_manifest")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "CommandError: migrations.toml was not written: migrations.toml:1: contains NUL bytes "
        "(a binary file?)\n"
    )
    project.manifest_path.unlink()
    assert project.manage("update_migration_manifest").returncode == 0
    assert project.manifest == manifest_bytes(ENTRIES)


def test_e005_unknown_apps(project: DjangoProject) -> None:
    """A deleted app, and one whose migrations MIGRATION_MODULES disables."""
    project.manifest_path.write_bytes(
        manifest_bytes(
            {
                **ENTRIES,
                "gone": ("0003_last", "gone/migrations"),
                "legacy": ("0001_initial", "legacy/migrations"),
            }
        )
    )
    hint = f"\tHINT: Run `{UPDATE}` to remove the entry.\n"
    assert failing(project.manage("check")) == errors(
        "migrations.toml:24: (migration_manifest.E005) [apps.gone] names an app with no "
        "migrations on disk (nothing at gone/migrations).\n" + hint,
        "migrations.toml:28: (migration_manifest.E005) [apps.legacy] names an app that is not "
        "first-party: its migrations are disabled (MIGRATION_MODULES maps it to None).\n" + hint,
    )


def test_e005_app_removed_from_the_project(project: DjangoProject) -> None:
    """The app is deleted from INSTALLED_APPS and from disk, but not from the manifest."""
    project.settings(
        """\
        from .settings import INSTALLED_APPS

        INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "billing"]
        """
    )
    for folder in ("billing", "db_migrations"):
        for path in sorted((project.root / folder).rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    assert failing(project.manage("check")) == errors(
        "migrations.toml:20: (migration_manifest.E005) [apps.billing] names an app with no "
        "migrations on disk (nothing at db_migrations/billing).\n"
        f"\tHINT: Run `{UPDATE}` to remove the entry.\n"
    )


def test_e006_stale_head_and_e007_wrong_path(project: DjangoProject) -> None:
    project.manifest_path.write_bytes(
        manifest_bytes(
            {
                **ENTRIES,
                "billing": ("0001_initial", "billing/migrations"),
                "store": ("0001_initial", "catalog/migrations"),
            }
        )
    )
    assert failing(project.manage("check")) == errors(
        "migrations.toml:22: (migration_manifest.E007) apps.billing.path is 'billing/migrations' "
        "but the app's migrations are in 'db_migrations/billing'.\n" + HINT_UPDATE,
        STALE_STORE,
    )


def test_e008_multiple_leaves(project: DjangoProject) -> None:
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
    expected = errors(
        "catalog/migrations/0003_left.py: (migration_manifest.E008) app 'store' has 2 leaf "
        "migrations (0003_left, 0003_right); Django refuses to migrate until they are merged or "
        "renumbered.\n"
        "\tHINT: Run `python manage.py makemigrations --merge` to merge them, or "
        "`python -m manifest_core resolve` to renumber one branch's migrations after the other's; "
        "either updates migrations.toml.\n"
    )
    assert failing(project.manage("check")) == expected
    # the finding belongs to the app 'store' (its folder is catalog/)
    assert failing(project.manage("check", "store")) == expected
    other = project.manage("check", "accounts")
    assert (other.returncode, other.stdout) == (0, CLEAN)


def test_e009_static_reader_cannot_follow_a_computed_dependency(project: DjangoProject) -> None:
    """The guard, on a case the static reader really cannot read: a computed dependency."""
    project.write(
        "catalog/migrations/0003_computed.py",
        """\
        from django.db import migrations

        PREVIOUS = ["0001_initial", "0002_book_isbn"]


        class Migration(migrations.Migration):
            dependencies = [("store", PREVIOUS[-1])]
            operations = []
        """,
    )
    assert project.manage("update_migration_manifest").returncode == 0
    assert failing(project.manage("check")) == errors(
        "catalog/migrations: (migration_manifest.E009) app 'store' (catalog/migrations): "
        "Django's leaf migrations are 0003_computed, the static reader's are 0002_book_isbn, "
        "0003_computed.\n" + HINT_GUARD
    )


def test_e009_label_setting_contradicts_django(project: DjangoProject) -> None:
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text()
        + '\n[tool.django-migration-manifest.labels]\n"catalog/migrations" = "catalog"\n'
    )
    stderr = failing(project.manage("check"))
    assert stderr.startswith(
        "SystemCheckError: System check identified some issues:\n\n"
        "ERRORS:\ncatalog/migrations: (migration_manifest.E009) app 'store' "
        "(catalog/migrations): the static reader reads this folder as app 'catalog'"
    )


def test_test_only_app_counts_and_w002_is_a_warning(project: DjangoProject) -> None:
    """Migrations of an app that is not installed count, as for the static tools; the custom
    user model unknown to pyproject is a warning."""
    (project.root / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nexclude = ["legacy/migrations"]\n'
    )
    project.write("fixtures_app/migrations/__init__.py", "")
    project.write(
        "fixtures_app/migrations/0001_initial.py",
        """\
        from django.db import migrations


        class Migration(migrations.Migration):
            operations = []
        """,
    )
    warnings = (
        "pyproject.toml: (migration_manifest.W002) settings.AUTH_USER_MODEL is 'accounts.User', "
        "but `python -m manifest_core` reads swappable_dependency(settings.AUTH_USER_MODEL) as "
        "'auth.User' (set AUTH_USER_MODEL = 'accounts.User' under "
        "[tool.django-migration-manifest.swappable] in pyproject.toml).\n"
        "\tHINT: Make [tool.django-migration-manifest] in pyproject.toml match the Django "
        "settings, so `python -m manifest_core` reads the project as Django does.\n",
    )
    assert failing(project.manage("check")) == errors(
        "migrations.toml:24: (migration_manifest.E004) app 'fixtures_app' "
        "(fixtures_app/migrations) has migrations but no [apps.fixtures_app] entry.\n"
        + HINT_UPDATE,
        warnings=warnings,
    )
    assert project.manage("update_migration_manifest").returncode == 0
    assert project.manifest == manifest_bytes(
        {**ENTRIES, "fixtures_app": ("0001_initial", "fixtures_app/migrations")}
    )
    report = "".join(sorted(warnings, key=lambda w: w.split(":")[0]))
    passing = project.manage("check")
    assert passing.returncode == 0
    assert passing.stderr == (
        "System check identified some issues:\n\nWARNINGS:\n"
        + report
        + "\nSystem check identified 1 issue (0 silenced).\n"
    )
    failed = project.manage("check", "--fail-level", "WARNING")
    assert failing(failed) == "SystemCheckError: " + passing.stderr


def test_w002_manifest_path_differs_from_pyproject(project: DjangoProject) -> None:
    project.manifest_path.rename(project.root / "shopsite" / "migrations.toml")
    project.settings(
        """\
        from .settings import BASE_DIR

        MIGRATION_MANIFEST = {"root": BASE_DIR, "manifest": "shopsite/migrations.toml"}
        """
    )
    result = project.manage("check")
    assert result.returncode == 0
    assert (
        "pyproject.toml: (migration_manifest.W002) MIGRATION_MANIFEST['manifest'] is "
        "'shopsite/migrations.toml', but `python -m manifest_core` reads 'migrations.toml' (set "
        "manifest = 'shopsite/migrations.toml' under [tool.django-migration-manifest] in "
        "pyproject.toml).\n"
    ) in result.stderr
    assert "System check identified 1 issue (0 silenced)." in result.stderr


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            '{"bogus": 1}',
            "MIGRATION_MANIFEST has unknown key(s) 'bogus' (known keys: apps, exclude, manifest, "
            "root, update_on_write).",
        ),
        (
            '{"apps": ["nope", "store"]}',
            "MIGRATION_MANIFEST['apps'] names 'nope', which is not an installed app label.",
        ),
        ('{"exclude": "legacy"}', "MIGRATION_MANIFEST['exclude'] must be a list of app labels."),
        (
            '{"root": "/nonexistent/folder"}',
            "MIGRATION_MANIFEST['root'] is not a folder: /nonexistent/folder",
        ),
        ('["store"]', "MIGRATION_MANIFEST must be a dict, not list."),
    ],
)
def test_e010_invalid_configuration(project: DjangoProject, setting: str, message: str) -> None:
    project.settings(f"MIGRATION_MANIFEST = {setting}\n")
    assert failing(project.manage("check")) == errors(
        f"MIGRATION_MANIFEST: (migration_manifest.E010) {message}\n"
        "\tHINT: Fix the MIGRATION_MANIFEST setting or the [tool.django-migration-manifest] "
        "table named above.\n"
    )


def test_e010_invalid_pyproject(project: DjangoProject) -> None:
    (project.root / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nmanifest = "/etc/migrations.toml"\n'
    )
    stderr = failing(project.manage("check"))
    assert (
        f"MIGRATION_MANIFEST: (migration_manifest.E010) {project.root.resolve()}/pyproject.toml:2: "
        "[tool.django-migration-manifest] manifest: must be a relative path inside the repository\n"
    ) in stderr


def test_e011_django_cannot_load_the_migrations(project: DjangoProject) -> None:
    project.write(
        "catalog/migrations/0003_broken.py",
        "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"
        "    dependencies = [('store', '0002_book_isbn')\n",
    )
    stderr = failing(project.manage("check"))
    assert stderr == errors(
        "MigrationLoader: (migration_manifest.E011) Django cannot load the migrations: "
        "SyntaxError: '[' was never closed (catalog/migrations/0003_broken.py, line 5).\n"
        "\tHINT: Fix the migration named above; `python -m manifest_core check` points at "
        "problems in migration files.\n"
    )


def test_fail_level(project: DjangoProject) -> None:
    stale(project)
    result = project.manage("check", "--fail-level", "CRITICAL")
    assert result.returncode == 0
    assert result.stderr == (
        "System check identified some issues:\n\nERRORS:\n"
        + STALE_STORE
        + "\nSystem check identified 1 issue (0 silenced).\n"
    )


def test_tags(project: DjangoProject) -> None:
    stale(project)
    assert "migration_manifest" in project.manage("check", "--list-tags").stdout.split()
    assert failing(project.manage("check", "--tag", "migration_manifest")) == errors(STALE_STORE)
    other = project.manage("check", "--tag", "models")
    assert (other.returncode, other.stdout) == (0, CLEAN)


def test_deploy_adds_deployment_checks_to_ours(project: DjangoProject) -> None:
    stale(project)
    stderr = failing(project.manage("check", "--deploy"))
    assert stderr.startswith(errors(STALE_STORE).split("\nSystem check")[0] + "\nWARNINGS:\n")
    assert "(security.W018)" in stderr
    only_ours = project.manage("check", "--deploy", "--tag", "migration_manifest")
    assert failing(only_ours) == errors(STALE_STORE)


def test_app_labels_restrict_per_app_findings(project: DjangoProject) -> None:
    stale(project)
    result = project.manage("check", "accounts")
    assert (result.returncode, result.stdout) == (0, CLEAN)
    assert failing(project.manage("check", "store")) == errors(STALE_STORE)


def test_silenced(project: DjangoProject) -> None:
    stale(project)
    project.settings('SILENCED_SYSTEM_CHECKS = ["migration_manifest.E006"]\n')
    result = project.manage("check")
    assert (result.returncode, result.stdout) == (
        0,
        "System check identified no issues (1 silenced).\n",
    )


def test_other_commands_get_warnings_not_errors(project: DjangoProject) -> None:
    """A stale manifest never stops ``migrate`` (a deployment must not fail on it)."""
    stale(project)
    result = project.manage("migrate", "--noinput")
    assert result.returncode == 0
    assert "Applying store.0002_book_isbn... OK" in result.stdout
    assert result.stderr == "System check identified some issues:\n\nWARNINGS:\n" + STALE_STORE


def test_write_commands_run_no_manifest_checks(project: DjangoProject) -> None:
    """Nothing about the manifest is reported before a command that rewrites it."""
    project.manifest_path.write_text("<<<<<<< HEAD\n")
    result = project.manage("makemigrations", "store", "--empty", "--name", "noop")
    assert result.returncode == 0, result.output
    assert "migration_manifest." not in result.output
    assert project.manifest == manifest_bytes(
        {**ENTRIES, "store": ("0003_noop", "catalog/migrations")}
    )


def test_w001_an_app_left_out_by_the_setting_only(project: DjangoProject) -> None:
    """MIGRATION_MANIFEST['exclude'] leaves accounts out; the static tools still count it."""
    project.settings('MIGRATION_MANIFEST = {"exclude": ["accounts"]}\n')
    assert project.manage("update_migration_manifest").returncode == 0
    assert project.manifest == manifest_bytes(
        {label: ENTRIES[label] for label in ("billing", "store")}
    )
    passing = project.manage("check")
    assert passing.returncode == 0
    assert passing.stderr == (
        "System check identified some issues:\n\nWARNINGS:\n"
        "accounts/migrations: (migration_manifest.W001) the static reader records "
        "'accounts/migrations' as app 'accounts', which is not counted here: "
        "MIGRATION_MANIFEST['exclude'] leaves it out.\n"
        "\tHINT: `python -m manifest_core` does not read the Django settings, so it counts this "
        'app. Add `exclude = ["legacy/migrations", "accounts"]` under '
        "[tool.django-migration-manifest] in pyproject.toml so both leave it out.\n"
        "\nSystem check identified 1 issue (0 silenced).\n"
    )
