"""A real git repository stopped in a merge whose resolve plan is long, and how to compare states.

``main`` adds ``blog.0002_main``; ``feature`` adds a chain of twelve migrations
``blog.0002_feat_01`` .. ``blog.0013_feat_12`` and ``shop.0002_order``, which depends on the last
one. ``git merge feature`` stops on ``migrations.toml``; resolve then renames twelve files, edits
fourteen and rewrites the manifest, staging all of it.

A state is what the user sees: every file under the root but ``.git`` and the cache folder
(untracked and hidden ones included, so a stray temporary file counts), ``git ls-files -s`` and
``git status --porcelain``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import Git, run_cli

CHAIN = 12
CACHE = ".migration_manifest_cache"


def migration(deps: list[tuple[str, str]], body: str) -> str:
    lines = "".join(f"        ('{app}', '{name}'),\n" for app, name in deps)
    return (
        "from django.db import migrations\n\n\n"
        "class Migration(migrations.Migration):\n\n"
        f"    dependencies = [\n{lines}    ]\n\n"
        "    operations = [\n"
        f'        migrations.RunSQL("SELECT \'{body}\'", reverse_sql="SELECT 1"),\n'
        "    ]\n"
    )


def chain_names() -> list[str]:
    return [f"{n + 2:04d}_feat_{n + 1:02d}" for n in range(CHAIN)]


def build(path: Path) -> Git:
    """The repository, stopped in ``git merge feature`` with ``migrations.toml`` conflicted."""
    git = Git(path)
    git.write(".gitignore", f"__pycache__/\n{CACHE}/\n")
    for app in ("blog", "shop"):
        git.write(f"{app}/__init__.py", "")
        git.write(f"{app}/migrations/__init__.py", "")
        git.write(f"{app}/migrations/0001_initial.py", migration([], f"{app}-initial"))
    cli(path, "update")
    git.commit_all("Base")
    git("checkout", "-q", "-b", "feature")
    previous = "0001_initial"
    for name in chain_names():
        git.write(f"blog/migrations/{name}.py", migration([("blog", previous)], name))
        previous = name
    git.write(
        "shop/migrations/0002_order.py",
        migration([("shop", "0001_initial"), ("blog", previous)], "order"),
    )
    cli(path, "update")
    git.commit_all("Feature")
    git("checkout", "-q", "main")
    git.write("blog/migrations/0002_main.py", migration([("blog", "0001_initial")], "main"))
    cli(path, "update")
    git.commit_all("Main")
    merged = git("merge", "--no-edit", "feature", check=False)
    assert merged.returncode != 0, merged.stdout
    return git


def cli(root: Path, *args: str) -> tuple[int, str, str]:
    code, out, err = run_cli("--root", str(root), *args)
    return code, out, err


def copy(template: Path, target: Path) -> Path:
    shutil.copytree(template, target, symlinks=True)
    return target


def state(root: Path) -> dict[str, Any]:
    files: dict[str, bytes] = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d not in (".git", CACHE, "__pycache__")]
        for name in names:
            full = Path(folder, name)
            files[full.relative_to(root).as_posix()] = full.read_bytes()
    return {
        "files": files,
        "index": git_out(root, "ls-files", "-s"),
        "status": git_out(root, "status", "--porcelain"),
    }


def git_out(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def leftovers(root: Path) -> list[str]:
    """What an interrupted plan must never leave behind: its journal and git's index lock."""
    found = []
    for path in (
        root / ".git" / "migration-manifest" / "journal",
        root / ".git" / "index.lock",
        root / CACHE / "journal",
    ):
        if path.exists():
            found.append(str(path.relative_to(root)))
    return found


def run_module(
    root: Path, *args: str, fault: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MIGRATION_MANIFEST_FAULT"}
    if fault is not None:
        env["MIGRATION_MANIFEST_FAULT"] = fault
    return subprocess.run(
        [sys.executable, "-m", "manifest_core", "--root", str(root), *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=120,
    )


def popen_module(root: Path, *args: str, fault: str | None = None) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "MIGRATION_MANIFEST_FAULT"}
    if fault is not None:
        env["MIGRATION_MANIFEST_FAULT"] = fault
    return subprocess.Popen(
        [sys.executable, "-m", "manifest_core", "--root", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
