"""Where the journal of a plan being applied lives, and whether one is pending. Cheap: no git.

Inside a git work tree the journal is ``<git dir>/migration-manifest/journal/`` (the work tree's
own git dir in a linked worktree), found by walking up to ``.git`` without running git; outside
git it is ``journal/`` in the cache folder. Read-only commands only ask :func:`pending`; the
writing commands use :mod:`manifest_core.journal`, which keeps the journal and rolls it back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

FOLDER = "migration-manifest"
JOURNAL = "journal"
RECOVER_COMMAND = "python -m manifest_core resolve --abort"


@dataclass(frozen=True)
class Home:
    """The folder holding the lock and the journal, and what the journal's paths are relative to."""

    base: str
    #: The folder paths in the journal are relative to: the work tree's top, else the root.
    top: str
    #: The git dir (``.git`` or a linked worktree's), or ``None`` outside git.
    git_dir: str | None

    @property
    def journal(self) -> str:
        return os.path.join(self.base, JOURNAL)

    @property
    def lock(self) -> str:
        return os.path.join(self.base, "lock")


def find_git_dir(root: str) -> tuple[str, str] | None:
    """``(work tree top, git dir)`` for the work tree containing ``root``, or ``None``."""
    current = os.path.abspath(root)
    while True:
        dot_git = os.path.join(current, ".git")
        if os.path.isdir(dot_git):
            return current, dot_git
        if os.path.isfile(dot_git):
            try:
                with open(dot_git, encoding="utf-8") as handle:
                    first = handle.readline().strip()
            except (OSError, UnicodeDecodeError):
                return None
            if first.startswith("gitdir:"):
                target = first.partition(":")[2].strip()
                return current, os.path.normpath(os.path.join(current, target))
            return None
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def home(root: str, cache_dir: str) -> Home:
    """Where the journal for the repository at ``root`` lives (see the module docstring)."""
    found = find_git_dir(root)
    if found is not None:
        top, git_dir = found
        return Home(os.path.join(git_dir, FOLDER), top, git_dir)
    root = os.path.abspath(root)
    return Home(os.path.join(root, cache_dir), root, None)


def pending(root: str, cache_dir: str) -> str | None:
    """The journal folder when an interrupted plan is pending (or being applied), else None."""
    folder = home(root, cache_dir).journal
    return folder if os.path.isdir(folder) else None


def pending_note(folder: str) -> str:
    """What read-only commands say while a journal is pending."""
    return (
        f"note: an interrupted resolve or update left a journal in {folder}: the files it was "
        f"changing may be half-changed. Run `{RECOVER_COMMAND}` to roll it back (any writing "
        "command does so first)."
    )
