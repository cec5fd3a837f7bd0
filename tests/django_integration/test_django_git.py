"""The scenario the manifest exists for, with real git: two branches add a migration to the same
app, the merge stops on migrations.toml, ``manage.py check`` fails on the conflict markers, and
``makemigrations --merge`` still runs and leaves a clean manifest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import Git
from django_harness import ENTRIES, make_project, manifest_bytes

MERGE = "0004_merge_0003_author_bio_0003_book_subtitle"


def test_two_branches_add_migrations_to_the_same_app(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    # The root comes from git now: no MIGRATION_MANIFEST setting at all.
    project.settings("MIGRATION_MANIFEST = {}\n")
    git = Git(project.root)
    git.write(".gitignore", "db.sqlite3\n")
    git.commit_all("shop")

    git("checkout", "-q", "-b", "subtitle")
    project.add_field(
        "catalog/models.py", "Book", "subtitle = models.CharField(max_length=200, blank=True)"
    )
    assert project.manage("makemigrations", "--noinput").returncode == 0
    git.commit_all("Book.subtitle")

    git("checkout", "-q", "main")
    git("checkout", "-q", "-b", "author-bio")
    project.add_field("catalog/models.py", "Author", "bio = models.TextField(blank=True)")
    assert project.manage("makemigrations").returncode == 0
    git.commit_all("Author.bio")

    git("checkout", "-q", "main")
    git("merge", "-q", "subtitle")
    merge = git("merge", "author-bio", check=False)
    assert merge.returncode != 0
    conflicted = git("diff", "--name-only", "--diff-filter=U").stdout.split()
    assert conflicted == ["migrations.toml"]  # models.py and the migrations merged cleanly
    text = project.manifest.decode()
    assert '<<<<<<< HEAD\nhead = "0003_book_subtitle"\n=======\n' in text

    check = project.manage("check")
    assert check.returncode == 1
    assert check.stderr == (
        "SystemCheckError: System check identified some issues:\n"
        "\n"
        "ERRORS:\n"
        "catalog/migrations/0003_author_bio.py: (migration_manifest.E008) app 'store' has 2 leaf "
        "migrations (0003_author_bio, 0003_book_subtitle); Django refuses to migrate until they "
        "are merged or renumbered.\n"
        "\tHINT: Run `python manage.py makemigrations --merge` to merge them, or "
        "`python -m manifest_core resolve` to renumber one branch's migrations after the "
        "other's; either updates migrations.toml.\n"
        "migrations.toml:25: (migration_manifest.E002) git conflict markers (lines 25-29): "
        "store (0003_book_subtitle vs 0003_author_bio).\n"
        "\tHINT: Two branches changed the same app's entry. If both added migrations to it, run "
        "`python manage.py makemigrations --merge` to merge them, or "
        "`python -m manifest_core resolve` to renumber one branch's migrations after the "
        "other's; otherwise run `python manage.py update_migration_manifest`. Each rewrites "
        "migrations.toml.\n"
        "\n"
        "System check identified 2 issues (0 silenced).\n"
    )

    # The checks never block the commands that repair the conflict.
    squash = project.manage("squashmigrations", "store", "0002", "--noinput")
    assert squash.returncode == 0, squash.output
    assert "SystemCheckError" not in squash.output
    assert squash.stderr.startswith("migrations.toml was not updated: app 'store' has 2 leaf")
    (project.root / "catalog/migrations/0001_squashed_0002_book_isbn.py").unlink()

    merged = project.manage("makemigrations", "--merge", "--noinput")
    assert merged.returncode == 0, merged.output
    assert merged.stdout.endswith(
        "Updated migrations.toml:\n"
        f"  store: 0003_book_subtitle / 0003_author_bio (conflicted) -> {MERGE}\n"
    )
    assert project.manifest == manifest_bytes({**ENTRIES, "store": (MERGE, "catalog/migrations")})
    check = project.manage("check")
    assert (check.returncode, check.stdout) == (
        0,
        "System check identified no issues (0 silenced).\n",
    )

    git("add", "-A")
    git("commit", "-q", "--no-edit")
    assert git("status", "--porcelain").stdout == ""
    # The static tools agree with what Django wrote.
    static = subprocess.run(
        [sys.executable, "-m", "manifest_core", "--no-cache", "check"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert static.returncode == 0, static.stdout + static.stderr
