"""A first run that guides: test data that blocks the manifest, repositories without Django
migrations, nested repositories, and ``init``. Every command runs as a real subprocess."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Git, run_module

from manifest_core.manifest import render_manifest

COMMANDS = ("check", "show", "update", "lint", "init")


def migration(*dependencies: tuple[str, str]) -> str:
    deps = ", ".join(f"({app!r}, {name!r})" for app, name in dependencies)
    return (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n"
        f"    dependencies = [{deps}]\n\n"
        "    operations = []\n"
    )


def write(root: Path, files: dict[str, str]) -> None:
    for relpath, content in files.items():
        target = root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def app(folder: str, *names: str) -> dict[str, str]:
    """An app whose migrations form a chain (``names`` in order)."""
    label = folder.rsplit("/", 1)[-1]
    files = {f"{folder}/__init__.py": "", f"{folder}/migrations/__init__.py": ""}
    previous: tuple[tuple[str, str], ...] = ()
    for name in names:
        files[f"{folder}/migrations/{name}.py"] = migration(*previous)
        previous = ((label, name),)
    return files


def two_leaves(folder: str) -> dict[str, str]:
    label = folder.rsplit("/", 1)[-1]
    files = app(folder, "0001_initial")
    for name in ("0002_left", "0002_right"):
        files[f"{folder}/migrations/{name}.py"] = migration((label, "0001_initial"))
    return files


def tree(root: Path, *, cache: bool = True) -> dict[str, bytes | None]:
    """Every file (with its bytes) and folder under ``root``, ``.git`` internals left out (and
    the cache folder, unless ``cache``)."""
    skip = {".git"} if cache else {".git", ".migration_manifest_cache"}
    found: dict[str, bytes | None] = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in skip]
        rel = os.path.relpath(folder, root)
        found[rel] = None
        for name in files:
            found[os.path.join(rel, name)] = Path(folder, name).read_bytes()
    return found


# --- test data that blocks the manifest --------------------------------------------------------


FIXTURE_HINT = (
    "    hint: app 'twoleaves' lives in tests/fixtures/twoleaves, which looks like tests or "
    'fixtures: leave it out with `exclude = ["tests/fixtures/twoleaves"]` under '
    "[tool.django-migration-manifest] in pyproject.toml\n"
)


@pytest.fixture
def fixture_repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    Git(root)
    write(root, app("blog", "0001_initial", "0002_post_slug"))
    write(root, two_leaves("tests/fixtures/twoleaves"))
    return root


def test_a_two_leaf_fixture_app_names_the_exclude_line(fixture_repo: Path) -> None:
    before = tree(fixture_repo, cache=False)
    update = run_module("update", cwd=fixture_repo)
    assert (update.returncode, update.stderr) == (1, "")
    assert update.stdout == (
        "tests/fixtures/twoleaves/migrations/0002_left.py:4:7: error[MM009]: app 'twoleaves' has "
        "2 leaf migrations (0002_left, 0002_right); Django refuses to migrate until they are "
        "merged or renumbered\n"
        "    see: tests/fixtures/twoleaves/migrations/0002_right.py:4\n"
        + FIXTURE_HINT
        + "migrations.toml was not written: fix the problems above first.\n"
        "The app 'twoleaves' (tests/fixtures/twoleaves) looks like tests or fixtures. To leave "
        "it out, add under [tool.django-migration-manifest] in pyproject.toml:\n"
        '    exclude = ["tests/fixtures/twoleaves"]\n'
    )
    assert "resolve" not in update.stdout
    assert "--strategy" not in update.stdout
    check = run_module("check", cwd=fixture_repo)
    assert check.returncode == 1
    assert FIXTURE_HINT in check.stdout
    assert "resolve" not in check.stdout
    assert tree(fixture_repo, cache=False) == before
    # with the line the message gives, update and check pass
    (fixture_repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nexclude = ["tests/fixtures/twoleaves"]\n'
    )
    update = run_module("update", cwd=fixture_repo)
    assert update.returncode == 0, update.stdout + update.stderr
    assert (fixture_repo / "migrations.toml").read_text() == render_manifest(
        {"blog": ("0002_post_slug", "blog/migrations")}
    )
    check = run_module("check", cwd=fixture_repo)
    assert (check.returncode, check.stdout) == (
        0,
        "migrations.toml is up to date: 1 apps, 2 migrations.\n",
    )


def test_an_app_outside_test_folders_still_gets_resolve(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    Git(root)
    write(root, two_leaves("shop"))
    result = run_module("update", cwd=root)
    assert result.returncode == 1
    assert "hint: run `python -m manifest_core resolve`" in result.stdout
    assert "exclude" not in result.stdout


def test_init_proposes_the_exclude_then_writes_the_manifest(fixture_repo: Path) -> None:
    (fixture_repo / "site").mkdir()
    (fixture_repo / "site" / "settings.py").write_text(
        'import os\n\nAUTH_USER_MODEL = "blog.Author"\nDEBUG = os.environ.get("DEBUG")\n'
    )
    before = tree(fixture_repo, cache=False)
    first = run_module("init", cwd=fixture_repo)
    assert first.returncode == 1
    assert first.stdout.endswith(
        "migrations.toml was not written: fix the problems above first.\n"
        "The app 'twoleaves' (tests/fixtures/twoleaves) looks like tests or fixtures. To leave "
        "it out, add under [tool.django-migration-manifest] in pyproject.toml:\n"
        '    exclude = ["tests/fixtures/twoleaves"]\n'
        f"([tool.django-migration-manifest] goes in the pyproject.toml at {fixture_repo}.)\n"
        "Then run `python -m manifest_core init` again.\n"
        "Your settings set swappable models; tell the static tools, under "
        "[tool.django-migration-manifest.swappable] in pyproject.toml:\n"
        '    AUTH_USER_MODEL = "blog.Author"\n'
    )
    assert not (fixture_repo / "migrations.toml").exists()
    assert tree(fixture_repo, cache=False) == before
    (fixture_repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nexclude = ["tests/fixtures/twoleaves"]\n\n'
        '[tool.django-migration-manifest.swappable]\nAUTH_USER_MODEL = "blog.Author"\n'
    )
    dry = run_module("init", "--dry-run", cwd=fixture_repo)
    assert dry.returncode == 0
    assert dry.stdout.startswith(
        "Dry run: init would create migrations.toml (1 app, 2 migrations):\n"
        "  blog: added at 0002_post_slug\n\nNext steps:\n"
    )
    assert not (fixture_repo / "migrations.toml").exists()
    done = run_module("init", cwd=fixture_repo)
    assert done.returncode == 0
    assert done.stdout.startswith(
        "Created migrations.toml (1 app, 2 migrations):\n  blog: added at 0002_post_slug\n\n"
        "Next steps:\n"
        '  commit      git add migrations.toml pyproject.toml && git commit -m "Record the '
        'latest migration of every app"\n'
    )
    for hook in (
        "migration-manifest-check",
        "migration-manifest-update",
        "migration-manifest-lint",
    ):
        assert hook in done.stdout
    assert run_module("check", cwd=fixture_repo).returncode == 0
    again = run_module("init", cwd=fixture_repo)
    assert again.stdout.startswith("migrations.toml is already up to date: 1 app, 2 migrations.\n")


def test_init_never_overwrites_a_manifest_it_cannot_read(fixture_repo: Path) -> None:
    (fixture_repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nexclude = ["tests/fixtures/twoleaves"]\n'
    )
    manifest = fixture_repo / "migrations.toml"
    manifest.write_text("my own notes = [\n")
    result = run_module("init", cwd=fixture_repo)
    assert result.returncode == 1
    assert result.stdout.startswith(
        "migrations.toml already exists and is not a manifest init can update ("
    )
    assert result.stdout.endswith(
        "); init never overwrites it. Run `python -m manifest_core check` to see what is wrong, "
        "and `python -m manifest_core resolve` after a merge conflict.\n"
    )
    assert manifest.read_text() == "my own notes = [\n"


def test_init_updates_a_manifest_it_wrote(fixture_repo: Path) -> None:
    (fixture_repo / "pyproject.toml").write_text(
        '[tool.django-migration-manifest]\nexclude = ["tests/fixtures/twoleaves"]\n'
    )
    manifest = fixture_repo / "migrations.toml"
    manifest.write_text(render_manifest({"blog": ("0001_initial", "blog/migrations")}))
    result = run_module("init", cwd=fixture_repo)
    assert result.returncode == 0
    assert result.stdout.startswith(
        "Updated migrations.toml (1 app, 2 migrations):\n  blog: 0001_initial -> 0002_post_slug\n"
    )


# --- no Django migrations -------------------------------------------------------------------------


def alembic_repo(root: Path) -> None:
    Git(root)
    write(
        root,
        {
            "app/__init__.py": "",
            "app/models.py": "import sqlalchemy\n",
            "alembic.ini": "[alembic]\nscript_location = migrations\n",
            "migrations/env.py": "from alembic import context\n",
            "migrations/script.py.mako": "${upgrades}\n",
            "migrations/versions/1a2b3c4d5e6f_create_users.py": (
                'revision = "1a2b3c4d5e6f"\ndown_revision = None\n\n\ndef upgrade():\n    pass\n'
            ),
            "migrations/versions/2b3c4d5e6f7a_add_email.py": (
                'revision = "2b3c4d5e6f7a"\ndown_revision = "1a2b3c4d5e6f"\n\n\n'
                "def upgrade():\n    pass\n"
            ),
        },
    )


def several_repos(root: Path) -> None:
    """A folder holding several git repositories (one a Django project), not itself one."""
    root.mkdir()
    for name in ("shop", "blog", "tools"):
        Git(root / name)
    write(root / "shop", app("orders", "0001_initial", "0002_order_total"))
    write(root / "blog", two_leaves("posts"))
    (root / "tools" / "README.md").write_text("tools\n")


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("layout", [alembic_repo, several_repos], ids=["alembic", "repos"])
def test_no_django_migrations_is_one_plain_sentence(
    tmp_path: Path, command: str, layout: object
) -> None:
    root = tmp_path / "work"
    layout(root)  # type: ignore[operator]
    before = tree(root)
    result = run_module(command, cwd=root)
    assert (result.returncode, result.stderr) == (0, "")
    if command == "lint":
        assert result.stdout.startswith(
            f"No Django migrations found in {root}; nothing to check.\n"
        )
    else:
        assert result.stdout == f"No Django migrations found in {root}; nothing to check.\n"
    assert tree(root) == before  # no manifest, no cache folder


def test_no_django_migrations_in_json(tmp_path: Path) -> None:
    root = tmp_path / "work"
    alembic_repo(root)
    before = tree(root)
    check = run_module("--format", "json", "check", cwd=root)
    assert (check.returncode, check.stdout) == (0, '{\n  "ok": true,\n  "problems": []\n}\n')
    update = run_module("--format", "json", "update", cwd=root)
    assert update.returncode == 0
    assert '"changed": false' in update.stdout
    assert tree(root) == before


def test_nested_repositories_are_read_when_configured(tmp_path: Path) -> None:
    root = tmp_path / "work"
    several_repos(root)
    (root / "pyproject.toml").write_text(
        "[tool.django-migration-manifest]\ninclude-nested-repositories = true\n"
    )
    result = run_module("show", cwd=root)
    assert result.returncode == 0
    assert "orders" in result.stdout
    assert "posts" in result.stdout
    # each repository on its own is checked as usual
    inner = run_module("check", cwd=root / "shop")
    assert inner.returncode == 1
    assert "MM001" in inner.stdout


def test_a_submodule_is_not_entered(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    Git(root)
    write(root, app("blog", "0001_initial"))
    write(root / "vendor" / "lib", two_leaves("thirdparty"))
    (root / "vendor" / "lib" / ".git").write_text("gitdir: ../../.git/modules/lib\n")
    result = run_module("update", cwd=root)
    assert result.returncode == 0, result.stdout
    assert (root / "migrations.toml").read_text() == render_manifest(
        {"blog": ("0001_initial", "blog/migrations")}
    )


def test_init_points_at_recorded_test_apps(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    Git(root)
    write(root, app("blog", "0001_initial"))
    write(root, app("tests/testapp", "0001_initial"))
    result = run_module("init", cwd=root)
    assert result.returncode == 0
    assert result.stdout.startswith(
        "Created migrations.toml (2 apps, 2 migrations):\n"
        "  blog: added at 0001_initial\n"
        "  testapp: added at 0001_initial\n"
        "Recorded from folders that look like tests or fixtures: testapp (tests/testapp). They "
        "count like any app; to leave them out, add under [tool.django-migration-manifest] in "
        "pyproject.toml:\n"
        '    exclude = ["tests/testapp"]\n\nNext steps:\n'
    )


def test_a_test_app_missing_from_the_manifest_keeps_the_update_hint(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    Git(root)
    write(root, app("blog", "0001_initial"))
    (root / "migrations.toml").write_text(
        render_manifest({"blog": ("0001_initial", "blog/migrations")})
    )
    write(root, app("tests/testapp", "0001_initial"))
    result = run_module("check", cwd=root)
    assert result.returncode == 1
    assert "hint: run `python -m manifest_core update`" in result.stdout
    assert "exclude" not in result.stdout


def test_init_finds_every_swappable_setting_the_migrations_use(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    Git(root)
    write(root, app("shop", "0001_initial"))
    write(
        root,
        {
            "shop/migrations/0002_payment.py": (
                "from django.conf import settings\nfrom django.db import migrations\n\n\n"
                "class Migration(migrations.Migration):\n"
                "    dependencies = [\n"
                '        ("shop", "0001_initial"),\n'
                "        migrations.swappable_dependency(settings.PAYMENT_MODEL),\n"
                "    ]\n"
            ),
            "site/settings/__init__.py": "",
            "site/settings/base.py": 'PAYMENT_MODEL = "shop.Payment"\nUNUSED_MODEL = "a.B"\n',
            "site/settings/dev.py": 'AUTH_USER_MODEL = "shop.Customer"\n',
            "site/prod_settings.py": 'AUTH_USER_MODEL = "shop.Buyer"\n',
        },
    )
    result = run_module("init", "--dry-run", cwd=root)
    assert result.returncode == 0, result.stdout
    assert (
        "  shop: added at 0002_payment\n"
        "Your settings set swappable models; tell the static tools, under "
        "[tool.django-migration-manifest.swappable] in pyproject.toml:\n"
        '    PAYMENT_MODEL = "shop.Payment"\n'
        "AUTH_USER_MODEL differs between settings modules: 'shop.Buyer' "
        "(site/prod_settings.py:1), 'shop.Customer' (site/settings/dev.py:1); set the one your "
        "migrations are made with under [tool.django-migration-manifest.swappable].\n\n"
    ) in result.stdout
    assert "UNUSED_MODEL" not in result.stdout
    assert not (root / "migrations.toml").exists()
