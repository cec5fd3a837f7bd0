"""The example Django project (tests/django_project), copied per test and driven as ``manage.py``.

Every test works on a copy in a temporary folder, so the committed project never changes. The
third-party app ``vendorapp`` is installed next to the copy, in a ``site-packages`` folder on
``PYTHONPATH`` (outside the repository), or inside it under ``.venv`` when a test asks.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

from manifest_core.manifest import render_manifest

PROJECT = Path(__file__).resolve().parent.parent / "django_project"

#: What the committed project's manifest records: ``{label: (head, path)}``.
ENTRIES: dict[str, tuple[str, str]] = {
    "accounts": ("0001_initial", "accounts/migrations"),
    "billing": ("0001_initial", "db_migrations/billing"),
    "store": ("0002_book_isbn", "catalog/migrations"),
}

VENDOR_FILES = {
    "vendorapp/__init__.py": "",
    "vendorapp/apps.py": """\
        from django.apps import AppConfig


        class VendorAppConfig(AppConfig):
            default_auto_field = "django.db.models.BigAutoField"
            name = "vendorapp"
        """,
    "vendorapp/models.py": """\
        from django.db import models


        class Widget(models.Model):
            name = models.CharField(max_length=100)
        """,
    "vendorapp/migrations/__init__.py": "",
    "vendorapp/migrations/0001_initial.py": """\
        from django.db import migrations, models


        class Migration(migrations.Migration):
            initial = True

            dependencies = []

            operations = [
                migrations.CreateModel(
                    name="Widget",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("name", models.CharField(max_length=100)),
                    ],
                ),
            ]
        """,
}

#: A later release of vendorapp adds this migration (a third-party upgrade).
VENDOR_UPGRADE = """\
    from django.db import migrations, models


    class Migration(migrations.Migration):
        dependencies = [("vendorapp", "0001_initial")]

        operations = [
            migrations.AddField(
                model_name="widget",
                name="colour",
                field=models.CharField(default="", max_length=20),
            ),
        ]
    """


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class DjangoProject:
    """A copy of the example project with its own third-party ``site-packages`` folder."""

    def __init__(self, root: Path, site_packages: Path) -> None:
        self.root = root
        self.site_packages = site_packages

    @property
    def manifest_path(self) -> Path:
        return self.root / "migrations.toml"

    @property
    def manifest(self) -> bytes:
        return self.manifest_path.read_bytes()

    def manage(self, *args: str) -> Result:
        """``python manage.py ARGS`` in the project, as a real subprocess. Never a traceback."""
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        env["PYTHONPATH"] = str(self.site_packages)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        result = Result(completed.returncode, completed.stdout, completed.stderr)
        assert "Traceback" not in result.output, result.output
        return result

    def write(self, relpath: str, content: str) -> Path:
        target = self.root / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(content))
        return target

    def settings(self, content: str) -> None:
        """Per-test settings overrides, in ``shopsite/local_settings.py``."""
        self.write("shopsite/local_settings.py", content)

    def add_field(self, relpath: str, model: str, line: str) -> None:
        """Add a field (one line of code) at the end of class ``model`` in a models module."""
        path = self.root / relpath
        lines = path.read_text().splitlines()
        start = lines.index(next(ln for ln in lines if ln.startswith(f"class {model}(")))
        end = start + 1
        while end < len(lines) and (not lines[end] or lines[end].startswith(" ")):
            end += 1
        while not lines[end - 1]:
            end -= 1
        lines.insert(end, f"    {line}")
        path.write_text("\n".join(lines) + "\n")

    def migrations(self, folder: str) -> list[str]:
        return sorted(p.stem for p in (self.root / folder).glob("[!_]*.py"))

    def upgrade_vendor(self) -> None:
        """Install a later release of the third-party app, with one more migration."""
        target = self.site_packages / "vendorapp/migrations/0002_widget_colour.py"
        target.write_text(textwrap.dedent(VENDOR_UPGRADE))


def manifest_bytes(entries: dict[str, tuple[str, str]]) -> bytes:
    """The exact manifest for ``{label: (head, path)}``."""
    return render_manifest(entries).encode()


def install_vendor(site_packages: Path) -> None:
    for relpath, content in VENDOR_FILES.items():
        target = site_packages / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(content))


def make_project(tmp_path: Path, *, vendor_inside: bool = False) -> DjangoProject:
    """Copy the example project to ``tmp_path/project`` and install the third-party app.

    ``vendor_inside`` puts the app in a virtual environment inside the project folder (as
    ``.venv/lib/python3.X/site-packages``) instead of outside it.
    """
    root = tmp_path / "project"
    shutil.copytree(
        PROJECT,
        root,
        ignore=shutil.ignore_patterns(
            "__pycache__",
            "db.sqlite3",
            "local_settings.py",
            ".migration_manifest_cache",
            ".ruff_cache",
        ),
    )
    if vendor_inside:
        venv = root / ".venv"
        venv.mkdir()
        (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
        site_packages = venv / "lib" / "python3" / "site-packages"
    else:
        site_packages = tmp_path / "site-packages"
    install_vendor(site_packages)
    return DjangoProject(root, site_packages)
