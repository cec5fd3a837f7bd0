"""``lint --all`` on the migrations Django itself ships (``django.contrib.*``): no false positive.

Their initial migrations create tables (so nothing in them is reported), later ones mostly widen
varchars, relax NOT NULL or change Python-only attributes (choices, validators, help texts), which
run no SQL or none that locks. Exactly two operations are unsafe for a rolling deploy on a large
table, and the linter reports exactly those two, with no note (every model, swappable user
included, is replayed):

* ``contenttypes.0002_remove_content_type_name`` drops ``django_content_type.name`` while the
  previous release still selects it;
* ``sites.0002_alter_domain_unique`` adds ``unique=True`` to ``Site.domain``: a unique index (and
  a ``*_like`` index) built without ``CONCURRENTLY``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import django
from conftest import run_cli

CONTRIB = Path(django.__file__).parent / "contrib"


def copy_contrib(root: Path) -> list[str]:
    apps = []
    for migrations in sorted(CONTRIB.glob("*/migrations")):
        app = migrations.parent.name
        shutil.copytree(
            migrations, root / app / "migrations", ignore=shutil.ignore_patterns("__pycache__")
        )
        apps.append(app)
    return apps


def line_of(path: Path, text: str) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {path}")


def test_lint_all_on_django_contrib_reports_only_the_two_real_hazards(tmp_path: Path) -> None:
    apps = copy_contrib(tmp_path)
    assert {"admin", "auth", "contenttypes", "sessions", "sites"} <= set(apps)
    code, out, err = run_cli(
        "--root", str(tmp_path), "--format", "json", "--no-cache", "lint", "--all"
    )
    assert err == ""
    data = json.loads(out)
    assert data["summary"]["migrations"] == len(list(tmp_path.glob("*/migrations/0*.py")))
    found = {(f["path"], f["name"], f["line"]) for f in data["findings"]}
    contenttypes = "contenttypes/migrations/0002_remove_content_type_name.py"
    sites = "sites/migrations/0002_alter_domain_unique.py"
    assert found == {
        (contenttypes, "remove-field", line_of(tmp_path / contenttypes, "migrations.RemoveField(")),
        (sites, "add-index", line_of(tmp_path / sites, "unique=True")),
    }
    assert code == 1
    initial = [f for f in data["findings"] if "0001_initial" in f["path"]]
    assert initial == []


def test_django_contrib_initial_migrations_alone_are_clean(tmp_path: Path) -> None:
    copy_contrib(tmp_path)
    initial = sorted(str(p) for p in tmp_path.glob("*/migrations/0001_initial.py"))
    code, out, _ = run_cli(
        "--root", str(tmp_path), "--no-cache", "lint", "--fail-level", "info", *initial
    )
    assert code == 0, out
    assert out.strip().endswith(": no findings.")
