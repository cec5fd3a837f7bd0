"""The walk behind discovery: list folders and stat files, with ``os`` alone.

:func:`walk` finds the candidate migration packages under a root and records, as plain tuples,
everything that decides what discovery reports: each package's modules with the stat fields the
cache is keyed on, its ``apps.py``, and the notes about folders it could not use. Discovery
(:func:`manifest_core.discovery.scan`) turns that into packages and problems; a warm ``check``
(:mod:`manifest_core.verdict`) runs the very same walk and compares its :meth:`Walk.digest` with
the one its remembered verdict was made from. So that start-up stays cheap, this module imports
nothing beyond ``os`` and ``marshal`` (``re`` only for a folder of migration-like files without
``__init__.py``). The rules are in :mod:`manifest_core.discovery`'s docstring.
"""

from __future__ import annotations

import marshal
import os
import stat

try:  # hashlib's own BLAKE2, without loading OpenSSL as ``import hashlib`` does (a few ms)
    from _blake2 import blake2b as blake2b
except ImportError:  # pragma: no cover - an interpreter without the built-in module
    from hashlib import blake2b as blake2b

# ``typing`` costs start-up time: the annotations are strings, read by mypy only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from re import Pattern

    #: ``(path, mtime_ns, size, inode, ok)``: ``ok`` is False when the file could not be stat-ed.
    RawFile = tuple[str, int, int, int, bool]
    #: ``(path, modules, apps.py, explicit)``.
    RawPackage = tuple[str, tuple[RawFile, ...], RawFile | None, bool]
    #: ``(kind, path, message, warning)``: ``kind`` is one of the ``NOTE_*`` names.
    RawNote = tuple[str, str, str, bool]

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

#: The kinds of notes (see :data:`RawNote`), each one problem code in discovery.
NOTE_UNLISTED = "unlisted"
NOTE_NOT_A_PACKAGE = "not-a-package"
NOTE_UNDECODABLE = "undecodable"

#: How Django names the migrations it writes: a folder of such files is meant for Django (an
#: Alembic ``migrations`` folder holds ``env.py`` and ``versions/`` instead).
DJANGO_MIGRATION_NAME = r"^\d{4}_\w*\.py$"


class Walk:
    """What :func:`walk` found: packages sorted by path, notes sorted by path."""

    __slots__ = ("_digest", "notes", "packages")

    def __init__(self, packages: list[RawPackage], notes: list[RawNote]) -> None:
        self.packages = packages
        self.notes = notes
        self._digest: bytes | None = None

    def digest(self) -> bytes:
        """Changes whenever anything discovery reports changes: a folder, a module, a stat.

        Marshal format 2 writes values only (no shared references, no interning flags), so
        equal walks give equal bytes whatever objects hold them.
        """
        if self._digest is None:
            data = marshal.dumps((self.packages, self.notes), 2)
            self._digest = blake2b(data, digest_size=20).digest()
        return self._digest

    def files(self) -> Iterable[RawFile]:
        for _, modules, apps_py, _ in self.packages:
            yield from modules
            if apps_py is not None:
                yield apps_py

    def newest_ns(self) -> int:
        """The latest modification time of a file found (0 with none)."""
        return max((f[1] for f in self.files()), default=0)

    def all_ok(self) -> bool:
        """Whether every file found could be stat-ed."""
        return all(f[4] for f in self.files())


def stops_at(rel: str, files: Collection[str], folders: Collection[str], nested: bool) -> bool:
    """Whether a walk goes no further into the folder ``rel`` (the root excepted), which holds
    ``files`` and ``folders``: a virtual environment, whatever its name, or another repository
    (or a submodule) unless ``nested`` repositories count: their migrations are their own."""
    if not rel:
        return False
    return "pyvenv.cfg" in files or (not nested and (".git" in files or ".git" in folders))


def enters(child: str, exclude: Pattern[str] | None, explicit: Collection[str] = ()) -> bool:
    """Whether a walk goes into the folder ``child`` (a path from the root): never into tools'
    and builds' folders, nor into an ``exclude``d one unless it is named ``explicit``ly."""
    name = child.rsplit("/", 1)[-1]
    if name in SKIP_DIRS or name.endswith(".egg-info"):
        return False
    return exclude is None or not exclude.match(child) or child in explicit


def walk(
    root: str,
    *,
    exclude: Pattern[str] | None = None,
    explicit: Iterable[str] = (),
    nested_repositories: bool = False,
) -> Walk:
    """Walk ``root`` for migration packages (see :mod:`manifest_core.discovery`)."""
    root = os.path.abspath(root)
    explicit_set = {p.strip("/") for p in explicit if p}
    packages: dict[str, RawPackage] = {}
    notes: list[RawNote] = []
    apps_py: dict[str, RawFile] = {}
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
        if stops_at(rel, names, folders, nested_repositories):
            continue
        if "apps.py" in names:
            apps_py[rel] = _file_stat(_join(rel, "apps.py"), os.path.join(full, "apps.py"))
        base = rel.rsplit("/", 1)[-1]
        if base == "migrations" or rel in explicit_set:
            if "__init__.py" in names:
                packages[rel] = _package(rel, entries, apps_py, rel in explicit_set)
            elif _django_names(names):
                notes.append(
                    (
                        NOTE_NOT_A_PACKAGE,
                        rel,
                        "this migrations folder has no __init__.py, so Django treats its app "
                        "as having no migrations",
                        False,
                    )
                )
        if "migrations.py" in names and ("models.py" in names or "apps.py" in names):
            notes.append(
                (
                    NOTE_NOT_A_PACKAGE,
                    _join(rel, "migrations.py"),
                    "a migrations module, not a package: Django treats this app as having "
                    "no migrations",
                    False,
                )
            )
        for name in folders:
            child = _join(rel, name)
            if enters(child, exclude, explicit_set):
                stack.append(child)
    for rel in sorted(explicit_set - set(packages)):
        full = os.path.join(root, rel)
        if not _inside(root, full):
            continue
        try:
            with os.scandir(full) as it:
                entries = list(it)
        except OSError as exc:
            if not any(note[1] == rel for note in notes):  # not already met in the walk
                notes.extend(_unlisted(rel, exc, explicit_set))
            continue
        entries = _utf8_entries(rel, entries, notes)
        if any(e.name == "__init__.py" for e in entries):
            parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
            if parent not in apps_py and os.path.isfile(os.path.join(root, parent, "apps.py")):
                apps_py[parent] = _file_stat(
                    _join(parent, "apps.py"), os.path.join(root, parent, "apps.py")
                )
            packages[rel] = _package(rel, entries, apps_py, True)
    notes.sort(key=_note_path)
    return Walk([packages[p] for p in sorted(packages)], notes)


def _note_path(note: RawNote) -> str:
    return note[1]


def _django_names(names: set[str]) -> bool:
    import re

    pattern = re.compile(DJANGO_MIGRATION_NAME)
    return any(pattern.match(n) for n in names)


def _file_stat(path: str, full: str) -> RawFile:
    try:
        st = os.stat(full)
    except OSError:
        return (path, 0, 0, 0, False)
    return (path, st.st_mtime_ns, st.st_size, st.st_ino, True)


def _package(
    rel: str,
    entries: list[os.DirEntry[str]],
    apps_py: dict[str, RawFile],
    explicit: bool,
) -> RawPackage:
    modules: list[RawFile] = []
    prefix = f"{rel}/" if rel else ""
    for entry in entries:
        name = entry.name
        if name[-3:] != ".py" or name[0] in "_~" or "." in name[:-3]:
            continue
        try:
            st = entry.stat()
        except OSError:
            modules.append((prefix + name, 0, 0, 0, False))
            continue
        mode = st.st_mode
        if stat.S_ISDIR(mode):
            continue
        if not stat.S_ISREG(mode):
            modules.append((prefix + name, 0, 0, 0, False))
            continue
        modules.append((prefix + name, st.st_mtime_ns, st.st_size, st.st_ino, True))
    modules.sort()
    parent = rel.rsplit("/", 1)[0] if "/" in rel else ""
    return (rel, tuple(modules), apps_py.get(parent), explicit)


def _unlisted(rel: str, exc: OSError, explicit: set[str]) -> list[RawNote]:
    """A folder the walk cannot list: an error where migrations are expected, else a warning.

    Never "empty": an unreadable migrations folder would otherwise drop its app from the
    manifest on the next ``update``.
    """
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return []  # removed while walking, or a file named in the settings
    expected = rel in explicit or rel.rsplit("/", 1)[-1] == "migrations"
    what = "this migrations folder" if expected else "this folder"
    return [
        (
            NOTE_UNLISTED,
            rel or ".",
            f"{what} cannot be listed ({exc.strerror or exc}), so the migrations in it are unknown",
            not expected,
        )
    ]


def display_path(path: str) -> str:
    """``path`` as text, a name that is not valid UTF-8 escaped predictably (``caf\\xe9``)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _utf8_entries(
    rel: str, entries: list[os.DirEntry[str]], notes: list[RawNote]
) -> list[os.DirEntry[str]]:
    """The entries whose names are valid UTF-8; the others are reported and left out."""
    try:  # one check for the whole folder: names are almost always valid
        "/".join([entry.name for entry in entries]).encode("utf-8")
        return entries
    except UnicodeEncodeError:
        pass
    kept = []
    for entry in entries:
        try:
            entry.name.encode("utf-8")
        except UnicodeEncodeError:
            module = entry.name.endswith(".py")
            if module or entry.is_dir(follow_symlinks=False):
                what = "this migration module" if module else "this folder"
                notes.append(
                    (
                        NOTE_UNDECODABLE,
                        display_path(_join(rel, entry.name)),
                        f"the name of {what} is not valid UTF-8, so it is left out",
                        not module,
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
