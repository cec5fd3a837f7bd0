"""Where a repository's parts are: its root, git dir, cache folder and journal. ``os`` only.

Every command and a warm ``check``'s remembered verdict (:mod:`manifest_core.verdict`) ask these
same functions, so both find the same folders, and start-up stays cheap.
"""

from __future__ import annotations

import os

DEFAULT_CACHE_DIR = ".migration_manifest_cache"
#: What the cache writes in its folder so that git ignores it.
GITIGNORE = "# Created by django-migration-manifest.\n*\n"
#: What the cache folder may hold besides its ``.gitignore``: the readings, the remembered
#: settings, a warm ``check``'s verdict and, outside git, the writers' lock and journal.
OWN_FILES = frozenset(
    {"files.marshal", "summary.marshal", "config.marshal", "verdict.marshal", "lock", "journal"}
)
#: The records written atomically: ``.<name>.<pid>.tmp`` first, then renamed.
_OWN_RECORDS = ("files", "summary", "config", "verdict")
#: The folder (in the git dir) holding the writers' lock and journal inside git.
GIT_FOLDER = "migration-manifest"
JOURNAL = "journal"


def find_root(start: str) -> str:
    """The git work tree containing ``start``, else ``start`` itself."""
    current = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return os.path.abspath(start)
        current = parent


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


def journal_home(root: str, cache_dir: str) -> tuple[str, str, str | None]:
    """``(folder of the lock and journal, top, git dir)``: see :mod:`manifest_core.journal_path`."""
    found = find_git_dir(root)
    if found is not None:
        top, git_dir = found
        return os.path.join(git_dir, GIT_FOLDER), top, git_dir
    root = os.path.abspath(root)
    return os.path.join(root, cache_dir), root, None


def journal_folder(root: str, cache_dir: str) -> str:
    """Where an interrupted plan's journal would be (it is pending when the folder exists)."""
    return os.path.join(journal_home(root, cache_dir)[0], JOURNAL)


def inspect_cache_folder(root: str, setting: str) -> tuple[str, str | None, str]:
    """``(real path, problem, remedy)`` for the cache folder ``setting`` of the repository at
    ``root``; ``problem`` is ``None`` when it is a folder of its own inside the repository.

    ``setting`` must resolve (after following symbolic links) to a folder strictly inside the
    repository that is missing, empty or holds only the cache's own files: the cache writes a
    ``.gitignore`` that ignores everything in its folder.
    """
    full = os.path.join(root, setting)
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    remedy = "set cache-dir to a new folder name"
    link_remedy = "remove the link, or set cache-dir to a new folder name"
    if real == real_root:
        return real, "is a symbolic link to the repository root", link_remedy
    if not real.startswith(real_root + os.sep):
        return real, f"is a symbolic link to {real}, outside the repository", link_remedy
    if os.path.isdir(real):
        try:
            names = os.listdir(real)
        except OSError as exc:
            return real, f"cannot be listed ({exc.strerror or exc})", remedy
        other = sorted(n for n in names if not own_file(real, n))
        if other:
            shown = ", ".join(repr(n) for n in other[:3]) + (", ..." if len(other) > 3 else "")
            return real, f"is an existing folder with other content ({shown})", remedy
    return real, None, remedy


def own_file(folder: str, name: str) -> bool:
    """Whether ``name`` in the cache folder is one of the cache's own files."""
    if name in OWN_FILES or _own_tmp(name):
        return True
    if name != ".gitignore":
        return False
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as handle:
            return handle.read(len(GITIGNORE) + 1) == GITIGNORE
    except (OSError, UnicodeDecodeError):
        return False


def _own_tmp(name: str) -> bool:
    """``.<record>.marshal.<pid>.tmp``, as the cache writes a record before renaming it."""
    if not (name.startswith(".") and name.endswith(".tmp")):
        return False
    record, _, rest = name[1:-4].partition(".marshal.")
    return record in _OWN_RECORDS and rest.isascii() and rest.isdigit()
