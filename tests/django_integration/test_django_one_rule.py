"""One rule for which apps count: the CLI and the Django app never undo each other's manifest.

The example project gets a test-only app (migrations on disk, not in ``INSTALLED_APPS``). In
every order of the three writers (``python -m manifest_core update``, ``manage.py
update_migration_manifest``, ``manage.py makemigrations store``), after each write the manifest
holds exactly the expected bytes and every check passes: ``python -m manifest_core check``,
``manage.py check`` and ``manage.py update_migration_manifest --check``. All real subprocesses.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest
from django_harness import ENTRIES, DjangoProject, make_project, manifest_bytes

TESTONLY = {
    "testonly/__init__.py": "",
    "testonly/migrations/__init__.py": "",
    "testonly/migrations/0001_initial.py": """\
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("store", "0001_initial")]

            operations = []
        """,
    "testonly/migrations/0002_more.py": """\
        from django.db import migrations


        class Migration(migrations.Migration):
            dependencies = [("testonly", "0001_initial")]

            operations = []
        """,
}
TESTONLY_ENTRY = ("0002_more", "testonly/migrations")
SUBTITLE = "subtitle = models.CharField(max_length=200, blank=True)"
WRITERS = ("cli update", "update_migration_manifest", "makemigrations store")


def cli(project: DjangoProject, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "manifest_core", "--root", str(project.root), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=project.root,
    )


def write(project: DjangoProject, writer: str) -> None:
    if writer == "cli update":
        result = cli(project, "update")
        assert result.returncode == 0, result.stdout + result.stderr
    elif writer == "update_migration_manifest":
        assert project.manage("update_migration_manifest").returncode == 0
    else:
        recorded = b"[apps.testonly]" in project.manifest
        made = project.manage("makemigrations", "store")
        assert made.returncode == 0, made.output
        if recorded:  # the hook leaves a recorded test-only app alone
            assert "testonly" not in made.stdout


def assert_all_checks_pass(project: DjangoProject) -> None:
    static = cli(project, "check")
    assert static.returncode == 0, static.stdout + static.stderr
    django = project.manage("check")
    assert (django.returncode, django.stderr) == (0, ""), django.output
    current = project.manage("update_migration_manifest", "--check")
    assert (current.returncode, current.stdout) == (0, "migrations.toml is already up to date.\n")


@pytest.mark.parametrize(
    "order", [pytest.param(p, id=" > ".join(p)) for p in itertools.permutations(WRITERS)]
)
def test_every_order_of_writers_leaves_every_check_passing(
    tmp_path: Path, order: tuple[str, ...]
) -> None:
    project = make_project(tmp_path)
    for relpath, content in TESTONLY.items():
        project.write(relpath, content)
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    # before any write, both faces report the test-only app missing, with the same label
    assert (
        "app 'testonly' (testonly/migrations) has migrations but no" in cli(project, "check").stdout
    )
    assert "app 'testonly' (testonly/migrations) has migrations but no" in (
        project.manage("check").stderr
    )
    store = ENTRIES["store"]
    for writer in order:
        write(project, writer)
        if writer == "makemigrations store":
            store = ("0003_book_subtitle", store[1])
        expected = {**ENTRIES, "store": store, "testonly": TESTONLY_ENTRY}
        assert project.manifest == manifest_bytes(expected), writer
        assert_all_checks_pass(project)
        assert project.manifest == manifest_bytes(expected), writer  # the checks write nothing


def test_a_two_leaf_fixture_app_names_the_exclude_line_in_django_too(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.write("tests/fixtures/twoleaves/migrations/__init__.py", "")
    for name, deps in (
        ("0001_initial", "[]"),
        ("0002_left", '[("twoleaves", "0001_initial")]'),
        ("0002_right", '[("twoleaves", "0001_initial")]'),
    ):
        project.write(
            f"tests/fixtures/twoleaves/migrations/{name}.py",
            "from django.db import migrations\n\n\n"
            f"class Migration(migrations.Migration):\n    dependencies = {deps}\n",
        )
    refused = project.manage("update_migration_manifest")
    assert refused.returncode == 1
    assert refused.stderr == (
        "CommandError: migrations.toml was not written: app 'twoleaves' has 2 leaf migrations "
        "(0002_left, 0002_right): tests/fixtures/twoleaves looks like tests or fixtures: leave "
        'it out with `exclude = ["legacy/migrations", "tests/fixtures/twoleaves"]` under '
        "[tool.django-migration-manifest] in pyproject.toml.\n"
    )
    checked = project.manage("check")
    assert checked.returncode == 1
    assert (
        "\tHINT: app 'twoleaves' lives in tests/fixtures/twoleaves, which looks like tests or "
        'fixtures: leave it out with `exclude = ["legacy/migrations", '
        '"tests/fixtures/twoleaves"]` under [tool.django-migration-manifest] in pyproject.toml\n'
    ) in checked.stderr
    assert "resolve" not in checked.stderr
    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            'exclude = ["legacy/migrations"]',
            'exclude = ["legacy/migrations", "tests/fixtures/twoleaves"]',
        )
    )
    assert project.manage("update_migration_manifest").returncode == 0
    assert project.manifest == manifest_bytes(ENTRIES)
    assert_all_checks_pass(project)
