"""An in-memory index of a repository's migrations that follows changes one file at a time.

This is what the language server keeps for each workspace folder. It answers what ``check``
answers, but after an edit it re-reads one file and rebuilds one *component* instead of the
whole repository.

A component is a set of apps linked by a squash that replaces another app's migrations, or by a
``run_before`` that points into another app. Only those links can change which migrations of an
app are leaves, so each component's graph is built on its own, exactly as Django would build it
for those apps. Dependencies between components are checked against the target component (the
node must exist, or be replaced by a squash there). One thing needs every app at once: a cycle of
dependencies running through several components; :meth:`WorkspaceIndex.cycles` finds those on
demand (the language server runs it after saves, off the editing path).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import codes
from .checks import check_manifest
from .config import Config, load_config
from .graph import Graph, build_graph
from .manifest import Manifest, parse_manifest
from .model import (
    AppSummary,
    Decl,
    DepKey,
    Head,
    Key,
    Location,
    Migration,
    MigrationFile,
    Problem,
    ProjectSummary,
    ReadMethod,
    Ref,
    dep_key,
)
from .project import (
    App,
    Loader,
    Project,
    file_problems,
    is_migration_package,
    read_full,
    read_manifest,
)
from .reader import parse_migration, read_declarations

_SPECIAL = ("__first__", "__latest__")


@dataclass(frozen=True)
class Change:
    """What an update touched: the language server refreshes diagnostics for exactly these."""

    apps: frozenset[str] = frozenset()
    manifest: bool = False
    reloaded: bool = False  #: labels or folders changed: everything was reloaded

    def __or__(self, other: Change) -> Change:
        return Change(
            self.apps | other.apps,
            self.manifest or other.manifest,
            self.reloaded or other.reloaded,
        )


class WorkspaceIndex:
    """The migrations of one repository, kept current by :meth:`refresh` (see module docstring)."""

    def __init__(self, root: str, config: Config | None = None) -> None:
        self.root = os.path.abspath(root)
        self.config = config if config is not None else load_config(self.root)
        self.overlays: dict[str, str] = {}
        self.manifest: Manifest = Manifest(path=self.config.manifest, exists=False)
        self._apps: dict[str, App] = {}
        self._folder_app: dict[str, str] = {}
        self._decls: dict[str, Decl] = {}
        self._notes: tuple[Problem, ...] = ()
        self._skipped: tuple[str, ...] = ()
        self._component: dict[str, frozenset[str]] = {}
        self._graphs: dict[frozenset[str], Graph] = {}
        self._global: Graph | None = None
        self._full: dict[str, MigrationFile] = {}
        # What summary() reuses between edits: each file's own problems (reading problems and
        # dependencies into other components), recomputed only for ``_dirty`` paths; components
        # whose graph changed (``_stale``); the interface other apps see of each component.
        self._own: dict[str, tuple[Problem, ...]] = {}
        self._dirty: set[str] = set()
        self._stale: set[frozenset[str]] = set()
        self._interfaces: dict[frozenset[str], object] = {}
        self._dependents: dict[str, set[str]] = {}
        #: Each app's summary, with the graph and app it was made from (reused while both are).
        self._summaries: dict[str, tuple[Graph, App, AppSummary]] = {}

    # -- loading ---------------------------------------------------------------------------------
    def load(self, *, use_cache: bool = True) -> None:
        """(Re)read the whole repository: discovery, every file's declarations, the manifest."""
        self.manifest = self._read_manifest()
        loader = Loader(self.root, self.config, self.manifest, use_cache, self.overlays)
        collected = loader.collect()
        if collected.apps:  # no Django app: leave no cache folder behind
            loader.cache.save(None, b"")
        self._apps = dict(collected.apps)
        self._folder_app = {app.path: label for label, app in self._apps.items()}
        self._decls = dict(collected.decls)
        # discovery-level notes (folders, duplicate labels); file problems are derived from decls
        self._notes = tuple(p for p in collected.problems if p.path not in self._decls)
        self._skipped = collected.skipped
        self._full.clear()
        self._recompute_components()

    def _read_manifest(self) -> Manifest:
        path = self.config.manifest
        if path in self.overlays:
            return parse_manifest(self.overlays[path], path)
        return read_manifest(self.root, self.config)

    def _recompute_components(self) -> None:
        parent: dict[str, str] = {label: label for label in self._apps}

        def find(label: str) -> str:
            while parent[label] != label:
                parent[label] = parent[parent[label]]
                label = parent[label]
            return label

        for label, app in self._apps.items():
            for migration in app.migrations:
                for written in (*migration.decl.replaces, *migration.decl.run_before):
                    other = written[0]
                    if other in parent and other != label:
                        parent[find(other)] = find(label)
        groups: dict[str, set[str]] = {}
        for label in self._apps:
            groups.setdefault(find(label), set()).add(label)
        self._component = {label: frozenset(group) for group in groups.values() for label in group}
        self._graphs.clear()
        self._global = None
        self._own.clear()
        self._interfaces.clear()
        self._stale.clear()
        self._dirty = set(self._decls)
        self._dependents = {}
        for path, decl in self._decls.items():
            self._link_dependents(path, decl, add=True)

    # -- updates -----------------------------------------------------------------------------------
    def set_overlay(self, path: str, text: str | None) -> Change:
        """An open buffer's text (``None`` when closed: the disk is the truth again)."""
        if text is None:
            self.overlays.pop(path, None)
        else:
            self.overlays[path] = text
        return self.refresh(path)

    def refresh(self, path: str) -> Change:
        """Re-read one path (relative to the root) after it was created, changed or deleted."""
        path = path.replace(os.sep, "/").strip("/")
        name = path.rsplit("/", 1)[-1]
        if path == self.config.manifest:
            return self._refresh_manifest()
        if name in ("apps.py", "pyproject.toml", "__init__.py") or path.endswith("/migrations"):
            return self._reload()
        folder = path.rpartition("/")[0]
        label = self._folder_app.get(folder)
        if label is None:
            if folder.rsplit("/", 1)[-1] == "migrations" and name.endswith(".py"):
                return self._reload()  # a new app, or a folder not yet known
            return Change()
        if not name.endswith(".py") or name[0] in "_~" or "." in name[:-3]:
            return Change()
        return self._refresh_module(label, path)

    def _refresh_module(self, label: str, path: str) -> Change:
        decl = self._read_decl(path)
        old = self._decls.get(path)
        if decl == old:
            return Change()
        self._full.pop(path, None)
        self._link_dependents(path, old, add=False)
        self._link_dependents(path, decl, add=True)
        self._dirty.add(path)
        app = self._apps[label]
        migrations = [m for m in app.migrations if m.path != path]
        if decl is None:
            self._decls.pop(path, None)
        else:
            self._decls[path] = decl
            if decl.method != ReadMethod.NONE.value and decl.has_migration_class:
                migrations.append(Migration(label, decl))
        migrations.sort(key=lambda m: m.key)
        self._apps[label] = App(label, app.path, app.label_source, tuple(migrations))
        if _kind(old) != _kind(decl):  # the folder's make-up changed: is it still an app's?
            records = [d for p, d in self._decls.items() if p.rpartition("/")[0] == app.path]
            explicit = app.path in self.manifest.path_labels() or app.path in self.config.labels
            if not is_migration_package(records, explicit=explicit):
                return self._reload()  # the folder no longer counts as an app's migrations
        links_before = _links(old)
        links_after = _links(decl)
        affected = set(self._component.get(label, {label}))
        if links_before != links_after:
            self._recompute_components()
            affected |= self._component.get(label, {label})
        else:
            self._graphs.pop(self._component[label], None)
            self._stale.add(self._component[label])
            self._global = None
        return Change(apps=frozenset(affected))

    def _link_dependents(self, path: str, decl: Decl | None, *, add: bool) -> None:
        """Keep ``_dependents``: for each app, the files that reference its migrations."""
        if decl is None:
            return
        own = self.app_of(path)
        for written in (*decl.dependencies, *decl.run_before):
            target = self._resolve(written)
            if target is None or target[0] == own:
                continue
            if add:
                self._dependents.setdefault(target[0], set()).add(path)
            else:
                self._dependents.get(target[0], set()).discard(path)

    def _settle(self) -> None:
        """Bring every file's own problems up to date after edits (see ``__init__``)."""
        for component in self._stale:
            graph = self.graph(next(iter(component)))
            interface = (
                graph.nodes,
                frozenset(graph.migrations),  # MM124: a replaced migration's file came or went
                frozenset(w[:2] for m in graph.migrations.values() for w in m.decl.replaces),
                tuple(sorted(graph.special.items())),
            )
            if self._interfaces.get(component) != interface:
                self._interfaces[component] = interface
                for label in component:
                    self._dirty |= self._dependents.get(label, set())
            for label in component:
                self._dirty.update(m.path for m in self._apps[label].migrations)
        self._stale.clear()
        pending = list(self._dirty)
        self._dirty.clear()
        while pending:
            path = pending.pop()
            decl = self._decls.get(path)
            app = self.app_of(path)
            if decl is None or app is None or app not in self._apps:
                self._own.pop(path, None)
                continue
            problems = file_problems(decl)
            graph = self.graph(app)
            key = (app, decl.name)
            if key in graph.replaced_by:  # its edges now belong to the squash: check that one
                final = graph.replaced_by[key]
                while final in graph.replaced_by:
                    final = graph.replaced_by[final]
                if final in graph.migrations:
                    pending.append(graph.migrations[final].path)
            elif key in graph.migrations:
                problems.extend(self._cross_component(graph.migrations[key]))
            if problems:
                self._own[path] = tuple(problems)
            else:
                self._own.pop(path, None)

    def _read_decl(self, path: str) -> Decl | None:
        if path in self.overlays:
            return parse_migration(path, self.overlays[path]).decl()
        try:
            with open(os.path.join(self.root, path), "rb") as handle:
                return read_declarations(path, handle.read())
        except FileNotFoundError:
            return None
        except OSError:
            return read_full(self.root, path).decl()

    def _refresh_manifest(self) -> Change:
        manifest = self._read_manifest()
        if not self._labels_still_hold(manifest):
            return self._reload()
        self.manifest = manifest
        return Change(manifest=True)

    def _labels_still_hold(self, manifest: Manifest) -> bool:
        """Whether every app keeps its label under the new manifest (else: reload)."""
        new = manifest.path_labels()
        for folder, label in new.items():
            if self._folder_app.get(folder) != label:
                return False
        return all(
            app.path in new or app.label_source != "migrations.toml" for app in self._apps.values()
        )

    def _reload(self) -> Change:
        self.load()
        return Change(apps=frozenset(self._apps), manifest=True, reloaded=True)

    # -- queries -----------------------------------------------------------------------------------
    @property
    def apps(self) -> Mapping[str, App]:
        return self._apps

    @property
    def decls(self) -> Mapping[str, Decl]:
        return self._decls

    def app_of(self, path: str) -> str | None:
        """The label of the app whose migrations folder holds ``path``."""
        return self._folder_app.get(path.rpartition("/")[0])

    def read_file(self, path: str) -> MigrationFile:
        """A file read in full (with spans), from its open buffer if there is one."""
        full = self._full.get(path)
        if full is None:
            full = self._full[path] = read_full(self.root, path, self.overlays)
        return full

    def graph(self, label: str) -> Graph:
        """The graph of the component holding ``label``, as Django would build it."""
        component = self._component[label]
        graph = self._graphs.get(component)
        if graph is None:
            migrations = [m for app in sorted(component) for m in self._apps[app].migrations]
            graph = build_graph(
                migrations,
                self.config.swappable,
                self._locate,
                other_apps=frozenset(self._apps) - component,
            )
            self._graphs[component] = graph
        return graph

    def _locate(self, migration: Migration, attr: str, written: DepKey) -> Ref | None:
        refs: tuple[Ref, ...] = getattr(self.read_file(migration.path), attr, ())
        return next((r for r in refs if dep_key(r) == written), None)

    def leaves(self, label: str) -> tuple[Key, ...]:
        return self.graph(label).leaves.get(label, ())

    def node_exists(self, key: Key) -> bool:
        """Whether a dependency on ``key`` resolves in the repository (Django's rules)."""
        label, name = key
        if label not in self._apps:
            return True  # an app outside the repository: not checked
        graph = self.graph(label)
        if name in _SPECIAL:
            picked = graph.special.get(key)
            if picked is None:
                return True  # an app with no migrations: Django ignores the dependency
            key = picked
        if key in graph.nodes:
            return True
        # a missing migration that a squash replaces is re-pointed to the squash (even when that
        # squash was itself squashed again): Django accepts the dependency
        return any(
            key == written[:2] for m in graph.migrations.values() for written in m.decl.replaces
        )

    def problems_for(self, path: str) -> list[Problem]:
        """Every problem located in one migration file: reading, graph and cross-app ones."""
        decl = self._decls.get(path)
        if decl is None:
            return [p for p in self._notes if p.path == path]
        problems = file_problems(decl)
        label = self.app_of(path)
        if label is not None and label in self._apps:
            graph = self.graph(label)
            problems.extend(p for p in graph.problems if p.path == path)
            migration = next((m for m in self._apps[label].migrations if m.path == path), None)
            if migration is not None:
                problems.extend(self._cross_component(migration))
            leaves = graph.leaves.get(label, ())
            if len(leaves) > 1 and migration is not None and migration.key in leaves:
                from .checks import multiple_leaves

                problems.append(multiple_leaves(self._app_summary(label)))
        return sorted(problems, key=Problem.sort_key)

    def _cross_component(self, migration: Migration) -> list[Problem]:
        """Dependencies on other components' migrations that do not exist there.

        As in Django, a squash takes over the edges of the migrations it replaces: their missing
        dependencies are reported once, on the squash that stands in for them.
        """
        graph = self.graph(migration.app)
        if migration.key not in graph.nodes:
            return []
        component = self._component[migration.app]
        sources = [migration, *self._replaced_into(graph, migration.key)]
        missing: dict[tuple[str, Key], DepKey | None] = {}
        replaced: list[Problem] = []
        for source in sources:
            for attr, written_refs in (
                ("dependencies", source.decl.dependencies),
                ("run_before", source.decl.run_before),
            ):
                for written in written_refs:
                    target = self._resolve(written)
                    if target is None or target[0] not in self._apps or target[0] in component:
                        continue
                    if self.node_exists(target):
                        if source is migration and attr == "dependencies":
                            replaced.extend(self._replaced_only(migration, written, target))
                        continue
                    if target[1] in _SPECIAL:
                        target = self.graph(target[0]).special[target]
                    own = written if source is migration else None
                    if missing.get((attr, target)) is None:
                        missing[(attr, target)] = own
        problems = replaced
        for (attr, target), own_ref in sorted(missing.items()):
            ref = self._locate(migration, attr, own_ref) if own_ref else None
            span = (ref.name_span or ref.span) if ref else migration.decl.class_span
            verb = "depends on" if attr == "dependencies" else "must run before"
            problems.append(
                codes.MISSING_DEPENDENCY.problem(
                    migration.path,
                    span,
                    f"{migration.app}.{migration.name} {verb} {target[0]}.{target[1]}, "
                    "which does not exist",
                )
            )
        return problems

    def _replaced_only(self, migration: Migration, written: DepKey, target: Key) -> list[Problem]:
        """MM124 for a dependency on another component's migration that exists only in a
        squash's ``replaces`` (as the graph reports it inside one component)."""
        graph = self.graph(target[0])
        if target[1] in _SPECIAL or target in graph.nodes or target in graph.migrations:
            return []
        squash = next(
            (m for m in graph.migrations.values() if any(r[:2] == target for r in m.decl.replaces)),
            None,
        )
        if squash is None:
            return []
        ref = self._locate(migration, "dependencies", written)
        dotted = f"{squash.app}.{squash.name}"
        return [
            codes.REPLACED_DEPENDENCY.problem(
                migration.path,
                (ref.name_span or ref.span) if ref else migration.decl.class_span,
                f"{migration.app}.{migration.name} depends on {target[0]}.{target[1]}, which "
                f"exists only in the `replaces` of {dotted}: depend on {dotted} instead",
                related=(Location(squash.path),),
                app=migration.app,
            )
        ]

    @staticmethod
    def _replaced_into(graph: Graph, key: Key) -> list[Migration]:
        """The migrations whose edges now belong to ``key``: those it replaced, transitively."""
        found = []
        for replaced, replacement in graph.replaced_by.items():
            final = replacement
            while final in graph.replaced_by:
                final = graph.replaced_by[final]
            if final == key and replaced in graph.migrations:
                found.append(graph.migrations[replaced])
        return found

    def _resolve(self, written: DepKey) -> Key | None:
        """A written reference as a key, with swappable settings resolved as the graph does."""
        app, name, setting = written
        if not setting:
            return (app, name)
        model = self.config.swappable.get(setting)
        return (model.split(".", 1)[0], "__first__") if model else None

    def _app_summary(self, label: str) -> AppSummary:
        graph = self.graph(label)
        app = self._apps[label]
        cached = self._summaries.get(label)
        if cached is not None and cached[0] is graph and cached[1] is app:
            return cached[2]  # neither the app's files nor its component's graph changed
        leaves = [graph.migrations[key] for key in graph.leaves.get(label, ())]
        heads = tuple(Head(m.name, m.path, m.decl.class_span) for m in leaves)
        summary = AppSummary(label, app.path, heads, len(app.migrations))
        self._summaries[label] = (graph, app, summary)
        return summary

    def summary(self) -> ProjectSummary:
        """What :func:`manifest_core.project.load_summary` gives, from the index."""
        self._settle()
        problems: list[Problem] = list(self._notes)
        for own in self._own.values():
            problems.extend(own)
        for component in set(self._component.values()):
            problems.extend(self.graph(next(iter(component))).problems)
        apps = tuple(self._app_summary(label) for label in sorted(self._apps))
        return ProjectSummary(
            apps=apps, problems=tuple(sorted(problems, key=Problem.sort_key)), skipped=self._skipped
        )

    def check(self) -> list[Problem]:
        """Everything ``check`` reports (cycles across components aside: see :meth:`cycles`)."""
        return check_manifest(self.manifest, self.summary())

    def project(self) -> Project:
        """A full :class:`Project` (with the whole repository's graph), for resolve and lint."""
        if self._global is None:
            self._global = build_graph(
                [m for app in self._apps.values() for m in app.migrations],
                self.config.swappable,
                self._locate,
            )
        problems = [*self._notes]
        for decl in self._decls.values():
            problems.extend(file_problems(decl))
        problems.extend(self._global.problems)
        return Project(
            root=self.root,
            config=self.config,
            manifest=self.manifest,
            apps=dict(self._apps),
            graph=self._global,
            problems=tuple(sorted(problems, key=Problem.sort_key)),
            skipped=self._skipped,
            decls=dict(self._decls),
            overlays=dict(self.overlays),
        )

    def cycles(self) -> list[Problem]:
        """Dependency cycles, including those that run through several components."""
        return [p for p in self.project().graph.problems if p.code == "MM111"]


def _kind(decl: Decl | None) -> tuple[bool, bool] | None:
    """What :func:`~manifest_core.project.is_migration_package` counts of a file: whether it
    is readable, and whether it defines a ``Migration`` class."""
    if decl is None:
        return None
    readable = decl.method != ReadMethod.NONE.value
    return readable, readable and decl.has_migration_class


def _links(decl: Decl | None) -> frozenset[DepKey]:
    """The cross-app links that shape components: ``replaces`` and ``run_before`` targets."""
    if decl is None:
        return frozenset()
    return frozenset((*decl.replaces, *decl.run_before))


def files_of(index: WorkspaceIndex, labels: Iterable[str]) -> list[str]:
    """Every migration file of the given apps (for refreshing their diagnostics)."""
    wanted = set(labels)
    return sorted(path for path in index.decls if index.app_of(path) in wanted)
