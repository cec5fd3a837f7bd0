"""Load a repository's migrations: discovery, reading, labels and the graph, with the cache.

:func:`load_project` gives the full model (every declaration, every edge). :func:`load_summary`
gives only what ``check``, ``update`` and ``show`` need, straight from the cache when nothing
changed. Files are read for their declarations only; :meth:`Project.read_file` reads one file in
full (with source spans) when a caller needs to edit it or point into it.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import gc
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from . import codes
from .cache import Cache, cache_folder
from .config import Config, compile_patterns, load_config
from .discovery import FileStat, Package, Scan, scan, unreadable_reason
from .manifest import Manifest, parse_manifest
from .model import (
    AppSummary,
    Decl,
    DepKey,
    Head,
    Location,
    Migration,
    MigrationFile,
    Problem,
    ProjectSummary,
    ReadMethod,
    Ref,
    dep_key,
)
from .text import DecodeError, decode_source
from .where import find_root as find_root

if TYPE_CHECKING:
    from .graph import Graph
    from .verdict import Witness

#: ``ReadMethod.NONE.value``, read once: an enum member's attribute costs a call per file.
_UNREAD = ReadMethod.NONE.value

# The reader, the graph and the label reader (which bring ``ast``) are imported where files are
# read: a warm ``check`` answers from the cache without them, and starts faster for it.


@dataclass(frozen=True)
class App:
    """A first-party app: a migrations folder and its label."""

    label: str
    path: str
    label_source: str
    migrations: tuple[Migration, ...]


@dataclass(frozen=True)
class Project:
    root: str
    config: Config
    manifest: Manifest
    apps: Mapping[str, App]
    graph: Graph
    #: Problems from discovery, reading and the graph (not from comparing with the manifest).
    problems: tuple[Problem, ...]
    #: Folders named ``migrations`` judged not to be an app's migration package.
    skipped: tuple[str, ...] = ()
    #: Every module read in the apps' migration packages, by path.
    decls: Mapping[str, Decl] = field(default_factory=dict)
    #: Buffer contents that override the disk (the language server's open files).
    overlays: Mapping[str, str] = field(default_factory=dict)

    def summary(self) -> ProjectSummary:
        apps = []
        for label in sorted(self.apps):
            app = self.apps[label]
            heads = tuple(
                Head(
                    key[1],
                    self.graph.migrations[key].path,
                    self.graph.migrations[key].decl.class_span,
                )
                for key in self.graph.leaves.get(label, ())
            )
            apps.append(AppSummary(label, app.path, heads, len(app.migrations)))
        return ProjectSummary(apps=tuple(apps), problems=self.problems, skipped=self.skipped)

    def migration_at(self, path: str) -> Migration | None:
        for app in self.apps.values():
            for migration in app.migrations:
                if migration.path == path:
                    return migration
        return None

    def read_file(self, path: str) -> MigrationFile:
        """One migration file read in full, with the source span of every reference."""
        return read_full(self.root, path, self.overlays)


def read_full(root: str, path: str, overlays: Mapping[str, str] | None = None) -> MigrationFile:
    """A migration file read in full (with spans), from ``overlays`` or else from disk."""
    from .reader import parse_migration, read_migration

    if overlays and path in overlays:
        return parse_migration(path, overlays[path])
    try:
        with open(os.path.join(root, path), "rb") as handle:
            return read_migration(path, handle.read())
    except OSError as exc:
        return _unreadable(path, f"cannot be opened: {exc.strerror or exc}")


def read_manifest(root: str, config: Config, *, witness: Witness | None = None) -> Manifest:
    """Read ``migrations.toml`` (never raises: problems are recorded on the result).

    ``witness`` is told the bytes read, or that the file is missing.
    """
    full = os.path.join(root, config.manifest)
    try:
        with open(full, "rb") as handle:
            data = handle.read()
    except OSError as exc:  # it is there (a folder, no permission...): never "created" over it
        if isinstance(exc, FileNotFoundError) and not os.path.islink(full):
            if witness is not None:
                witness.saw_manifest(config.manifest, None)
            return Manifest(path=config.manifest, exists=False)
        if witness is not None:
            witness.refuse()
        link = os.path.islink(full)
        problem = codes.MANIFEST_INVALID.problem(
            config.manifest,
            None,
            unreadable_reason(full, exc),
            hint=f"remove the link, or restore what it points to, and run `{codes.UPDATE}`"
            if link
            else None,
        )
        return Manifest(path=config.manifest, exists=True, problems=(problem,))
    if witness is not None:
        witness.saw_manifest(config.manifest, data)
    try:
        text = decode_source(data)
    except DecodeError as exc:
        problem = codes.MANIFEST_INVALID.problem(
            config.manifest, None, f"cannot be read as text: it {exc}"
        )
        return Manifest(path=config.manifest, exists=True, problems=(problem,))
    manifest = parse_manifest(text, config.manifest)
    if data.startswith(codecs.BOM_UTF8):
        manifest = dataclasses.replace(manifest, bom=True)
    return manifest


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Loading builds many small objects and no reference cycles: collecting is wasted time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Loader:
    def __init__(
        self,
        root: str,
        config: Config,
        manifest: Manifest,
        use_cache: bool,
        overlays: Mapping[str, str] | None,
    ) -> None:
        self.root = os.path.abspath(root)
        self.config = config
        self.manifest = manifest
        self.overlays = dict(overlays or {})
        self.cache = Cache(cache_folder(self.root, config) if use_cache else None)
        self.manifest_labels = manifest.path_labels()
        #: What discovery was asked for: excluded folders, folders named in the settings.
        self.exclude = compile_patterns(config.exclude)
        self.explicit = sorted({*self.manifest_labels, *config.labels})
        self.scan: Scan = scan(
            self.root,
            exclude=self.exclude,
            explicit=self.explicit,
            nested_repositories=config.nested_repositories,
        )
        self._full: dict[str, MigrationFile] = {}
        #: Declarations read ahead in one batch (cached or not), taken by ``read_decl``.
        self._ready: dict[str, Decl] = {}
        #: ``apps.py`` files that could not be read.
        self.label_problems: list[Problem] = []

    def fingerprint(self) -> bytes:
        return self.scan.fingerprint(
            self.config.fingerprint(), repr(sorted(self.manifest_labels.items()))
        )

    def read_decl(self, item: FileStat) -> Decl:
        from .reader import parse_migration, read_declarations

        if item.path in self.overlays:
            return parse_migration(item.path, self.overlays[item.path]).decl()
        if not item.ok:
            return _unreadable(item.path, _stat_failure(os.path.join(self.root, item.path))).decl()
        cached = self._ready.pop(item.path, None) or self.cache.get_file(item)
        if cached is not None:
            return cached
        try:
            with open(os.path.join(self.root, item.path), "rb") as handle:
                data = handle.read()
        except OSError as exc:
            return _unreadable(item.path, f"cannot be opened: {exc.strerror or exc}").decl()
        decl = read_declarations(item.path, data)
        self.cache.put_file(item, decl)
        return decl

    def locate(self, migration: Migration, attr: str, written: DepKey) -> Ref | None:
        """The written reference with its spans: reads the file in full, once, on demand."""
        path = migration.path
        full = self._full.get(path)
        if full is None:
            full = self._full[path] = read_full(self.root, path, self.overlays)
        refs: tuple[Ref, ...] = getattr(full, attr, ())
        return next((r for r in refs if dep_key(r) == written), None)

    def apps_py_label(self, item: FileStat | None) -> str | None:
        if item is None:
            return None
        found, label = self.cache.get_label(item)
        if found:
            return label
        from .labels import label_from_apps_py

        try:
            with open(os.path.join(self.root, item.path), "rb") as handle:
                label = label_from_apps_py(handle.read())
        except OSError as exc:
            # its label is unknown, and guessing it would record the app under a wrong name
            self.label_problems.append(
                codes.UNREADABLE_FILE.problem(
                    item.path,
                    None,
                    f"cannot be opened: {exc.strerror or exc}; the app's label is unknown",
                    hint="check the file's permissions",
                )
            )
            return None
        self.cache.put_label(item, label)
        return label

    def load(self) -> Project:
        from .graph import build_graph

        with gc_paused():
            collected = self.collect()
            graph = build_graph(
                [m for app in collected.apps.values() for m in app.migrations],
                self.config.swappable,
                self.locate,
            )
        problems = sorted((*collected.problems, *graph.problems), key=Problem.sort_key)
        return Project(
            root=self.root,
            config=self.config,
            manifest=self.manifest,
            apps=collected.apps,
            graph=graph,
            problems=tuple(problems),
            skipped=collected.skipped,
            decls=collected.decls,
            overlays=self.overlays,
        )

    def collect(self) -> Collected:
        """Every app and its declarations, without the graph."""
        from .labels import choose_label

        problems: list[Problem] = list(self.scan.notes)
        decls: dict[str, Decl] = {}
        apps: dict[str, App] = {}
        claimed: dict[str, tuple[str, str]] = {}
        skipped: list[str] = []
        from .batch import read_packages  # one batch, in parallel when it pays

        self._ready = read_packages(self.root, self.scan.packages, self.cache, self.overlays)
        for package in self.scan.packages:
            records = [self.read_decl(m) for m in self._modules(package)]
            if not _is_migration_package(package, records):
                skipped.append(package.path)
                continue
            label, source = choose_label(
                package.path,
                overrides=self.config.labels,
                manifest=self.manifest_labels,
                apps_py_label=self.apps_py_label(package.apps_py),
            )
            if label in claimed:
                other_path, other_source = claimed[label]
                problems.append(
                    codes.DUPLICATE_LABEL.problem(
                        package.path,
                        None,
                        f"app label {label!r} (from the {source}) is already taken by "
                        f"{other_path} (from the {other_source}); this folder is left out",
                        related=(Location(other_path),),
                    )
                )
                continue
            claimed[label] = (package.path, source)
            migrations = []
            for decl in records:
                decls[decl.path] = decl
                problems.extend(file_problems(decl))
                if decl.method != _UNREAD and decl.has_migration_class:
                    migrations.append(Migration(label, decl))
            apps[label] = App(label, package.path, source, tuple(migrations))
        self.cache.forget_missing({f.path for f in self.scan.files()})
        problems.extend(self.label_problems)
        return Collected(apps, decls, tuple(problems), tuple(skipped))

    def _modules(self, package: Package) -> list[FileStat]:
        modules = list(package.modules)
        known = {m.path for m in modules}
        for path in self.overlays:
            folder, _, name = path.rpartition("/")
            if (
                folder == package.path
                and path not in known
                and name.endswith(".py")
                and name[0] not in "_~"
                and "." not in name[:-3]
            ):
                modules.append(FileStat(path, 0, 0, 0))
        return sorted(modules)


@dataclass(frozen=True)
class Collected:
    """What discovery and reading found, before the graph is built."""

    apps: Mapping[str, App]
    decls: Mapping[str, Decl]
    problems: tuple[Problem, ...]
    skipped: tuple[str, ...]


def file_problems(decl: Decl) -> list[Problem]:
    """The problems of one file on its own: reading problems, and a missing Migration class."""
    problems = list(decl.problems)
    if decl.method != _UNREAD and not decl.has_migration_class:
        problems.append(_no_migration_class(decl))
    return problems


def _is_migration_package(package: Package, records: list[Decl]) -> bool:
    return is_migration_package(records, explicit=package.explicit)


def is_migration_package(records: list[Decl], *, explicit: bool) -> bool:
    """Whether a folder is an app's migrations package rather than one that shares the name.

    A migration framework's own ``migrations`` package, a helper library or a folder of tests
    about migrations defines few or no ``Migration`` classes; an app's package is mostly them.
    Folders named in ``migrations.toml`` or the settings are taken at their word.
    """
    readable = [r for r in records if r.method != _UNREAD]
    with_class = sum(1 for r in readable if r.has_migration_class)
    if explicit:
        return bool(records)
    return with_class >= 1 and with_class * 2 >= len(readable)


def _unreadable(path: str, message: str) -> MigrationFile:
    from .reader import migration_name

    return MigrationFile(
        path=path,
        name=migration_name(path),
        method=ReadMethod.NONE,
        problems=(codes.UNREADABLE_FILE.problem(path, None, message),),
    )


def _stat_failure(full: str) -> str:
    """Why a module listed in its folder could not be examined."""
    try:
        os.stat(full)
    except OSError as exc:
        if os.path.islink(full):
            return "cannot be opened (a broken or looping symbolic link?)"
        return f"cannot be opened: {exc.strerror or exc}"
    return "cannot be opened: it is not a regular file"


def _no_migration_class(decl: Decl) -> Problem:
    if decl.class_span is not None:
        message = "its Migration class does not subclass migrations.Migration"
    else:
        message = "defines no Migration class; Django raises BadMigrationError when loading it"
    return codes.NO_MIGRATION_CLASS.problem(decl.path, decl.class_span, message)


@gc_paused()  # the whole load: a collection would walk every record read
def load_project(
    root: str,
    *,
    config: Config | None = None,
    manifest: Manifest | None = None,
    overlays: Mapping[str, str] | None = None,
    use_cache: bool = True,
) -> Project:
    """The full model of the repository at ``root``. Raises :class:`ConfigError` only."""
    config = config if config is not None else load_config(root)
    manifest = manifest if manifest is not None else read_manifest(root, config)
    loader = Loader(root, config, manifest, use_cache, overlays)
    project = loader.load()
    if not overlays and project.apps:  # no Django app: leave no cache folder behind
        loader.cache.save(project.summary(), loader.fingerprint())
    return project


@gc_paused()  # the whole load: a collection would walk every record read
def load_summary(
    root: str,
    *,
    config: Config | None = None,
    manifest: Manifest | None = None,
    use_cache: bool = True,
    witness: Witness | None = None,
) -> ProjectSummary:
    """Each app's heads and the problems found, from the cache when no input changed.

    ``witness`` is told what discovery found, and how it was asked.
    """
    config = config if config is not None else load_config(root)
    manifest = manifest if manifest is not None else read_manifest(root, config)
    loader = Loader(root, config, manifest, use_cache, None)
    if witness is not None:
        witness.saw_walk(
            loader.scan.walk,
            loader.exclude.pattern if loader.exclude is not None else None,
            loader.explicit,
            config.nested_repositories,
        )
    fingerprint = loader.fingerprint()
    cached = loader.cache.load_summary(fingerprint)
    if cached is not None:
        return cached
    summary = loader.load().summary()
    if summary.apps:  # no Django app: leave no cache folder behind
        loader.cache.save(summary, fingerprint)
    return summary
