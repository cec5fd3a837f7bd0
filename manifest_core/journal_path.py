"""Where the journal of a plan being applied lives, and whether one is pending. Cheap: no git.

Inside a git work tree the journal is ``<git dir>/migration-manifest/journal/`` (the work tree's
own git dir in a linked worktree), found by walking up to ``.git`` without running git; outside
git it is ``journal/`` in the cache folder. Read-only commands only ask :func:`pending`; the
writing commands use :mod:`manifest_core.journal`, which keeps the journal and rolls it back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .where import GIT_FOLDER, JOURNAL, find_git_dir, journal_folder, journal_home

FOLDER = GIT_FOLDER
__all__ = ["FOLDER", "JOURNAL", "Home", "find_git_dir", "home", "pending", "pending_note"]
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


def home(root: str, cache_dir: str) -> Home:
    """Where the journal for the repository at ``root`` lives (see the module docstring)."""
    return Home(*journal_home(root, cache_dir))


def pending(root: str, cache_dir: str) -> str | None:
    """The journal folder when an interrupted plan is pending (or being applied), else None."""
    folder = journal_folder(root, cache_dir)
    return folder if os.path.isdir(folder) else None


def pending_note(folder: str) -> str:
    """What read-only commands say while a journal is pending."""
    return (
        f"note: an interrupted resolve or update left a journal in {folder}: the files it was "
        f"changing may be half-changed. Run `{RECOVER_COMMAND}` to roll it back (any writing "
        "command does so first)."
    )
