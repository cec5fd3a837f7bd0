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
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from . import codes
from .model import Problem, Severity

try:  # hashlib's own BLAKE2, without loading OpenSSL as ``import hashlib`` does (a few ms)
    from _blake2 import blake2b as blake2b
except ImportError:  # pragma: no cover - an interpreter without the built-in module
    from hashlib import blake2b as blake2b

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        ".eggs",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".hypothesis",
        ".migration_manifest_cache",
        "__pycache__",
        "node_modules",
        "site-packages",
        "dist-packages",
        "build",
        "dist",
        "htmlcov",
    }
)


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

    def fingerprint(self, *extra: str) -> bytes:
        """Changes whenever a file is added, removed or modified, or ``extra`` changes."""
        digest = blake2b(digest_size=20)
        digest.update(marshal.dumps(extra))
        for package in self.packages:
            apps_py = tuple(package.apps_py) if package.apps_py else None
            modules = tuple(map(tuple, package.modules))
            state: Any = (package.path, package.explicit, apps_py, modules)
            digest.update(marshal.dumps(state))
        return digest.digest()

    def files(self) -> Iterable[FileStat]:
        for package in self.packages:
            yield from package.modules
            if package.apps_py is not None:
                yield package.apps_py


def _file_stat(path: str, full: str) -> FileStat:
    try:
        st = os.stat(full)
    except OSError:
        return FileStat(path, 0, 0, 0, ok=False)
    return FileStat(path, st.st_mtime_ns, st.st_size, st.st_ino)


#: How Django names the migrations it writes: a folder of such files is meant for Django (an
#: Alembic ``migrations`` folder holds ``env.py`` and ``versions/`` instead).
_DJANGO_MIGRATION_NAME = re.compile(r"^\d{4}_\w*\.py$")


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
    root = os.path.abspath(root)
    explicit_set = {p.strip("/") for p in explicit if p}
    packages: dict[str, Package] = {}
    notes: list[Problem] = []
    apps_py: dict[str, FileStat] = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        full = os.path.join(root, rel) if rel else root
        try:
            with os.scandir(full) as it:
                entries = list(it)
        except OSError as exc:
            notes.extend(_unlisted(rel, exc, explicit_set))
            continue
        entries = _utf8_entries(rel, entries, notes)
        names: set[str] = set()
        folders: list[str] = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.name)
                    continue
            except OSError:
                continue
            names.add(entry.name)
        if rel and "pyvenv.cfg" in names:
            continue  # a virtual environment, whatever its name
        if rel and not nested_repositories and (".git" in names or ".git" in folders):
            continue  # another repository (or a submodule): its migrations are its own
        if "apps.py" in names:
            apps_py[rel] = _file_stat(_join(rel, "apps.py"), os.path.join(full, "apps.py"))
        base = rel.rsplit("/", 1)[-1]
        if base == "migrations" or rel in explicit_set:
            if "__init__.py" in names:
                packages[rel] = _package(rel, full, entries, apps_py, rel in explicit_set)
            elif any(_DJANGO_MIGRATION_NAME.match(n) for n in names):
                notes.append(
                    codes.NOT_A_PACKAGE.problem(
                        rel,
                        None,
                        "this migrations folder has no __init__.py, so Django treats its app "
                        "as having no migrations",
                    )
                )
        if "migrations.py" in names and ("models.py" in names or "apps.py" in names):
            notes.append(
                codes.NOT_A_PACKAGE.problem(
                    _join(rel, "migrations.py"),
                    None,
                    "a migrations module, not a package: Django treats this app as having "
                    "no migrations",
                )
            )
        for name in folders:
            if name in SKIP_DIRS or name.endswith(".egg-info"):
                continue
            child = _join(rel, name)
            if exclude is not None and exclude.match(child) and child not in explicit_set:
                continue
            stack.append(child)
    for rel in sorted(explicit_set - set(packages)):
        full = os.path.join(root, rel)
        if not _inside(root, full):
            continue
        try:
            with os.scandir(full) as it:
                entries = list(it)
        except OSError as exc:
            if not any(note.path == rel for note in notes):  # not already met in the walk
                notes.extend(_unlisted(rel, exc, explicit_set))
            continue
        entries = _utf8_entries(rel, entries, notes)
        if any(e.name == "__init__.py" for e in entries):
            parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
            if parent not in apps_py and os.path.isfile(os.path.join(root, parent, "apps.py")):
                apps_py[parent] = _file_stat(
                    _join(parent, "apps.py"), os.path.join(root, parent, "apps.py")
                )
            packages[rel] = _package(rel, full, entries, apps_py, True)
    return Scan(
        packages=tuple(packages[p] for p in sorted(packages)),
        notes=tuple(sorted(notes, key=lambda p: p.path)),
    )


def _package(
    rel: str,
    full: str,
    entries: list[os.DirEntry[str]],
    apps_py: dict[str, FileStat],
    explicit: bool,
) -> Package:
    modules = []
    prefix = f"{rel}/" if rel else ""
    for entry in entries:
        name = entry.name
        if name[-3:] != ".py" or name[0] in "_~" or "." in name[:-3]:
            continue
        try:
            st = entry.stat()
        except OSError:
            modules.append(FileStat(prefix + name, 0, 0, 0, False))
            continue
        if stat.S_ISDIR(st.st_mode):
            continue
        if not stat.S_ISREG(st.st_mode):
            modules.append(FileStat(prefix + name, 0, 0, 0, False))
            continue
        modules.append(FileStat(prefix + name, st.st_mtime_ns, st.st_size, st.st_ino))
    modules.sort()
    parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return Package(path=rel, modules=tuple(modules), apps_py=apps_py.get(parent), explicit=explicit)


def _unlisted(rel: str, exc: OSError, explicit: set[str]) -> list[Problem]:
    """A folder the walk cannot list: an error where migrations are expected, else a warning.

    Never "empty": an unreadable migrations folder would otherwise drop its app from the
    manifest on the next ``update``.
    """
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return []  # removed while walking, or a file named in the settings
    expected = rel in explicit or rel.rsplit("/", 1)[-1] == "migrations"
    what = "this migrations folder" if expected else "this folder"
    return [
        codes.UNREADABLE_FOLDER.problem(
            rel or ".",
            None,
            f"{what} cannot be listed ({exc.strerror or exc}), so the migrations in it are unknown",
            severity=None if expected else Severity.WARNING,
        )
    ]


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


def display_path(path: str) -> str:
    """``path`` as text, a name that is not valid UTF-8 escaped predictably (``caf\\xe9``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8_entries(
    rel: str, entries: list[os.DirEntry[str]], notes: list[Problem]
) -> list[os.DirEntry[str]]:
    """The entries whose names are valid UTF-8; the others are reported and left out."""
    kept = []
    for entry in entries:
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            module = entry.name.endswith(".py")
            if module or entry.is_dir(follow_symlinks=False):
                what = "this migration module" if module else "this folder"
                notes.append(
                    codes.UNDECODABLE_FILE_NAME.problem(
                        display_path(_join(rel, entry.name)),
                        None,
                        f"the name of {what} is not valid UTF-8, so it is left out",
                        severity=None if module else Severity.WARNING,
                    )
                )
            continue
        kept.append(entry)
    return kept


def _join(rel: str, name: str) -> str:
    return f"{rel}/{name}" if rel else name


def _inside(root: str, full: str) -> bool:
    real_root = os.path.realpath(root)
    real = os.path.realpath(full)
    return real == real_root or real.startswith(real_root + os.sep)
