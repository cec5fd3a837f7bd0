"""A copy of this repository's working tree, as a fresh git repository with one commit.

Tools that install the package from a repository (``pre-commit``, ``pip install <path>``,
``python -m build``) are given this copy, never the checkout itself: they write build folders and
metadata where they build. Tracked and untracked-but-not-ignored files are copied, so the copy
holds the work in progress too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def source_files() -> list[str]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return sorted(name for name in listed.split("\0") if name and (ROOT / name).is_file())


def copy_source_tree(dest: Path) -> Path:
    """Copy the working tree into ``dest`` and commit it there; return ``dest``."""
    for name in source_files():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(dest), *args], capture_output=True, check=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git(
        "-c",
        "user.name=Developer",
        "-c",
        "user.email=dev@example.com",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "-m",
        "the working tree under test",
    )
    return dest
