"""The write hooks, interrupted while they write migrations.toml: nothing lost.

A real ``manage.py makemigrations`` subprocess writes a migration, and its hook rewrites the
manifest through the journal; the journal's test seam stops it just before step k, for every k,
with SIGKILL and with SIGINT/SIGTERM/SIGHUP. After the documented recovery (the next writing
command: ``manage.py update_migration_manifest`` or ``python -m manifest_core update``), the
manifest is byte for byte the old one or the new one, and no temporary file or journal is left.
The project is not a git repository, so the journal lives in the cache folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import run_cli
from django_harness import ENTRIES, DjangoProject, make_project, manifest_bytes

ROLLED_BACK = "was interrupted before it finished; every change it made was rolled back"
SUBTITLE = "subtitle = models.CharField(max_length=200, blank=True)"
STEPS = ("journal", "back up", "prepare", "write", "commit", "clean up")
OLD = manifest_bytes(ENTRIES)
NEW = manifest_bytes({**ENTRIES, "store": ("0003_book_subtitle", ENTRIES["store"][1])})


def manage(project: DjangoProject, *args: str, fault: str | None = None) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.pop("MIGRATION_MANIFEST_FAULT", None)
    if fault:
        env["MIGRATION_MANIFEST_FAULT"] = fault
    env["PYTHONPATH"] = str(project.site_packages)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    return done.returncode, output


def stray_files(root: Path) -> list[str]:
    found = [
        str(p.relative_to(root))
        for p in root.rglob("*")
        if ".mm-" in p.name or p.name.endswith(".tmp")
    ]
    if (root / ".migration_manifest_cache" / "journal").exists():
        found.append(".migration_manifest_cache/journal")
    return found


@pytest.mark.parametrize("k", range(1, len(STEPS) + 1))
def test_makemigrations_killed_while_writing_the_manifest(tmp_path: Path, k: int) -> None:
    for sig in (signal.SIGKILL, (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)[k % 3]):
        project = make_project(tmp_path / f"{sig.name}")
        assert project.manifest == OLD
        project.add_field("catalog/models.py", "Book", SUBTITLE)
        code, output = manage(project, "makemigrations", fault=f"{k}:{sig.name.lower()}")
        context = f"step {k} ({STEPS[k - 1]}), {sig.name}: exit {code}\n{output}"
        assert "0003_book_subtitle" in project.migrations("catalog/migrations"), context
        complete = k == len(STEPS)  # the signal came after the manifest was written
        if sig == signal.SIGKILL:
            assert code == -signal.SIGKILL, context
            if k % 2:  # the next writing command: Django's, or the core's
                code, output = manage(project, "update_migration_manifest")
            else:
                code, out, err = run_cli("--root", str(project.root), "update")
                output = out + err
            context += f"\nrecovery: exit {code}\n{output}"
            assert code == 0, context
            if 1 < k < len(STEPS):
                assert ROLLED_BACK in output, context
            assert project.manifest == NEW, context  # rolled back, then written again
        elif complete:
            assert code == 0, context
            assert project.manifest == NEW, context
        else:
            assert code == 128 + sig, context
            assert f"interrupted by {sig.name} while applying the plan" in output, context
            assert project.manifest == OLD, context
        assert stray_files(project.root) == [], context


def test_a_read_only_command_tells_about_a_pending_journal(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    project.add_field("catalog/models.py", "Book", SUBTITLE)
    code, _ = manage(project, "makemigrations", fault="4:sigkill")
    assert code == -signal.SIGKILL
    half = project.manifest
    code, output = manage(project, "update_migration_manifest", "--check")
    assert "an interrupted resolve or update left a journal in" in output
    assert project.manifest == half
    assert (project.root / ".migration_manifest_cache" / "journal").exists()
