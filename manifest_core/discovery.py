"""Find migration packages under a root, with the file stats the cache is keyed on.

This module only lists and stats; it reads no file contents. Rules:

* a candidate is a folder named ``migrations``, or a folder named in ``migrations.toml`` or in the
  ``labels`` setting (how unusual ``MIGRATION_MODULES`` layouts are found);
* it must contain ``__init__.py``: Django treats a folder without one as "no migrations";
* its modules are the ``*.py`` files whose names do not start with ``_`` or ``~`` and contain no
  other dot, exactly the names ``pkgutil.iter_modules`` gives Django. Sub-packages are ignored;
* virtual environments, ``site-packages``, ``node_modules``, VCS and build folders and configured
  excludes are skipped. Symbolic links to folders are not followed, so link loops cannot hang it;
* a folder with its own ``.git`` (a nested repository or a submodule) is skipped unless the
  ``include-nested-repositories`` setting says otherwise.

Whether a candidate really is an app's migration package (and not, say, a migration framework's
own ``migrations`` package) is decided later, from the modules' contents.
"""

from __future__ import annotations

import marshal
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import codes
from .model import Problem, Severity
from .walk import (
    NOTE_NOT_A_PACKAGE,
    NOTE_UNDECODABLE,
    NOTE_UNLISTED,
    SKIP_DIRS,
    Walk,
    blake2b,
    display_path,
    walk,
)

__all__ = ["SKIP_DIRS", "FileStat", "Package", "Scan", "blake2b", "display_path", "scan"]


class FileStat(NamedTuple):
    """A file and the stat fields the cache is keyed on. ``ok`` is False when stat failed."""

    path: str
    mtime_ns: int
    size: int
    ino: int
    ok: bool = True

    def key(self) -> tuple[int, int, int]:
        return (self.mtime_ns, self.size, self.ino)


@dataclass(frozen=True)
class Package:
    """A candidate migrations package (``path`` relative to the root, ``/``-separated)."""

    path: str
    modules: tuple[FileStat, ...]
    apps_py: FileStat | None
    explicit: bool


@dataclass(frozen=True)
class Scan:
    packages: tuple[Package, ...]
    notes: tuple[Problem, ...]
    #: What the walk found, as plain values (``None`` for a scan made by hand).
    walk: Walk | None = field(default=None, compare=False, repr=False)

    def fingerprint(self, *extra: str) -> bytes:
        """Changes whenever a file is added, removed or modified, a note changes, or ``extra``
        changes."""
        digest = blake2b(digest_size=20)
        digest.update(marshal.dumps(extra, 2))
        if self.walk is not None:
            digest.update(self.walk.digest())
            return digest.digest()
        for package in self.packages:  # pragma: no cover - scans made by hand
            apps_py = tuple(package.apps_py) if package.apps_py else None
            modules = tuple(map(tuple, package.modules))
            state: Any = (package.path, package.explicit, apps_py, modules)
            digest.update(marshal.dumps(state, 2))
        digest.update(marshal.dumps(tuple((p.path, p.message) for p in self.notes), 2))
        return digest.digest()

    def files(self) -> Iterable[FileStat]:
        for package in self.packages:
            yield from package.modules
            if package.apps_py is not None:
                yield package.apps_py


_NOTE_CODES = {
    NOTE_UNLISTED: codes.UNREADABLE_FOLDER,
    NOTE_NOT_A_PACKAGE: codes.NOT_A_PACKAGE,
    NOTE_UNDECODABLE: codes.UNDECODABLE_FILE_NAME,
}


def scan(
    root: str,
    *,
    exclude: re.Pattern[str] | None = None,
    explicit: Iterable[str] = (),
    nested_repositories: bool = False,
) -> Scan:
    """Walk ``root`` for migration packages (see the module docstring).

    A folder below the root with its own ``.git`` (a nested repository or a submodule) is not
    entered unless ``nested_repositories`` is set.
    """
    found = walk(root, exclude=exclude, explicit=explicit, nested_repositories=nested_repositories)
    make = FileStat._make
    packages = tuple(
        Package(
            path=path,
            modules=tuple(map(make, modules)),
            apps_py=make(apps_py) if apps_py is not None else None,
            explicit=explicit_package,
        )
        for path, modules, apps_py, explicit_package in found.packages
    )
    notes = tuple(
        _NOTE_CODES[kind].problem(
            path, None, message, severity=Severity.WARNING if warning else None
        )
        for kind, path, message, warning in found.notes
    )
    return Scan(packages=packages, notes=notes, walk=found)


def unreadable_reason(full: str, exc: OSError) -> str:
    """Why a file that was expected cannot be read, for a message: ``cannot be read: ...``, or
    ``is a symbolic link to 'x', which does not exist`` for a dangling link."""
    if isinstance(exc, FileNotFoundError) and os.path.islink(full):
        try:
            target = os.readlink(full)
        except OSError:
            target = "?"
        return f"is a symbolic link to {display_path(target)!r}, which does not exist"
    return f"cannot be read: {exc.strerror or exc}"
