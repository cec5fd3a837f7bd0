"""The migration graph, built as ``MigrationLoader(None, ignore_no_migrations=True)`` builds it.

The construction follows Django's algorithm step by step, because its answers depend on the order
of those steps (``__first__`` resolves against the roots *before* squashes are applied; a
dependency on a deleted migration is valid when a squash replaces it):

1. a node for every migration file;
2. same-app dependencies (skipping ``__first__``), creating placeholder nodes for missing parents;
3. cross-app dependencies and ``run_before``, resolving ``__first__`` / ``__latest__``;
4. squashed migrations replace the nodes they list, re-pointing edges to themselves;
5. any placeholder left is a missing dependency; then cycles are detected.

Apps that are not in the repository (``auth``, ``contenttypes``, third-party apps) are *external*:
references to them are kept as edges but not validated, since their migrations are not on disk here.
Unlike Django, which stops at the first error, every problem is reported and the graph stays usable.

The graph works on declarations only (:class:`~manifest_core.model.Decl`). To place a problem on
the exact reference, the caller may pass ``locate``, which finds the written reference (with its
source spans) in the migration's file; without it, problems sit on the ``class Migration`` line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from . import codes
from .model import DEFAULT_SWAPPABLE, DepKey, Key, Location, Migration, Problem, Ref, Span

_SPECIAL = ("__first__", "__latest__")
#: Labels of apps that ship with Django: references to them are never typos.
_KNOWN_EXTERNAL = frozenset(
    {"admin", "auth", "contenttypes", "flatpages", "redirects", "sessions", "sites", "gis"}
)

#: ``locate(migration, attribute, written)`` returns the written reference with its spans.
Locate = Callable[[Migration, str, DepKey], "Ref | None"]


@dataclass(frozen=True)
class Graph:
    """The loaded graph. ``parents[key]`` are the node's dependencies as Django evaluates them."""

    migrations: Mapping[Key, Migration]  #: every migration file, replaced or not
    nodes: frozenset[Key]  #: the nodes left after replacement, as in ``MigrationGraph.nodes``
    #: Read-only by contract (typed ``AbstractSet``); includes edges to external apps' nodes.
    parents: Mapping[Key, AbstractSet[Key]]
    children: Mapping[Key, AbstractSet[Key]]
    leaves: Mapping[str, tuple[Key, ...]]  #: per app, sorted, as ``leaf_nodes(app)``
    roots: Mapping[str, tuple[Key, ...]]
    replaced_by: Mapping[Key, Key]  #: replaced key -> the squash that replaced it
    problems: tuple[Problem, ...]
    #: ``(app, "__first__")`` and ``(app, "__latest__")`` -> the node Django would pick, which it
    #: does before squashes are applied (so it may be a replaced, or a missing, migration).
    special: Mapping[Key, Key] = field(default_factory=dict)

    def app_nodes(self, app: str) -> list[Key]:
        return sorted(k for k in self.nodes if k[0] == app)

    def dependencies(self, key: Key) -> list[Key]:
        return sorted(self.parents.get(key, ()))

    @property
    def conflicts(self) -> dict[str, tuple[Key, ...]]:
        """Apps with more than one leaf, as ``MigrationLoader.detect_conflicts`` reports them."""
        return {app: leaves for app, leaves in self.leaves.items() if len(leaves) > 1}

    def ancestors(self, key: Key) -> set[Key]:
        """Every node ``key`` depends on, directly or not (within this repository's nodes)."""
        return self._closure(key, self.parents)

    def descendants(self, key: Key) -> set[Key]:
        """Every node that depends on ``key``, directly or not."""
        return self._closure(key, self.children)

    def _closure(self, key: Key, edges: Mapping[Key, AbstractSet[Key]]) -> set[Key]:
        seen: set[Key] = set()
        stack = [key]
        while stack:
            for other in edges.get(stack.pop(), ()):
                if other not in seen and other in self.nodes:
                    seen.add(other)
                    stack.append(other)
        return seen


class _Builder:
    def __init__(
        self,
        migrations: Sequence[Migration],
        swappable: Mapping[str, str],
        locate: Locate | None,
        other_apps: AbstractSet[str] = frozenset(),
    ) -> None:
        self.migrations = {(m[0], m[1][1]): m for m in sorted(migrations, key=_migration_key)}
        self.other_apps = other_apps
        self.swappable = swappable
        self.locate = locate
        self.by_app: dict[str, set[Key]] = {}
        for key in self.migrations:
            self.by_app.setdefault(key[0], set()).add(key)
        self.apps = frozenset(self.by_app)
        self.nodes: set[Key] = set(self.migrations)
        self.dummies: set[Key] = set()
        self.parents: dict[Key, set[Key]] = {k: set() for k in self.migrations}
        self.children: dict[Key, set[Key]] = {k: set() for k in self.migrations}
        self.external_parents: dict[Key, set[Key]] = {}
        self.replaced_by: dict[Key, Key] = {}
        self.problems: list[Problem] = []
        self.special: dict[Key, Key] = {}
        self.unstable: dict[Key, tuple[Key, Key]] = {}

    # -- helpers mirroring MigrationGraph -----------------------------------------------------
    def _ensure(self, key: Key) -> None:
        """Add a placeholder node for a missing parent or child, as ``add_dummy_node`` does."""
        self.dummies.add(key)
        self.nodes.add(key)
        self.by_app.setdefault(key[0], set()).add(key)
        self.parents[key] = set()
        self.children[key] = set()

    def _add_edge(self, child: Key, parent: Key) -> None:
        if child not in self.parents:
            self._ensure(child)
        if parent not in self.parents:
            self._ensure(parent)
        self.parents[child].add(parent)
        self.children[parent].add(child)

    def _first_and_latest(self) -> dict[Key, Key]:
        """``__first__`` and ``__latest__`` of every app: its smallest root and leaf (by name)."""
        has_parent: set[Key] = set()  # in its own app
        has_child: set[Key] = set()
        for key, value in self.parents.items():
            app = key[0]
            for parent in value:
                if parent[0] == app:
                    has_parent.add(key)
                    has_child.add(parent)
        first: dict[str, Key] = {}
        latest: dict[str, Key] = {}
        for key in self.nodes:
            app = key[0]
            if key not in has_parent and (app not in first or key < first[app]):
                first[app] = key
            if key not in has_child and (app not in latest or key < latest[app]):
                latest[app] = key
        special: dict[Key, Key] = {}
        for app in sorted(self.apps):
            if app in first:
                special[(app, "__first__")] = first[app]
            if app in latest:
                special[(app, "__latest__")] = latest[app]
        return special

    def _where(self, migration: Migration, attr: str, written: DepKey, part: str) -> Span | None:
        ref = self.locate(migration, attr, written) if self.locate else None
        if ref is None:
            return migration.decl.class_span
        spans = {"name": ref.name_span, "app": ref.app_span}
        return spans.get(part) or ref.span

    def _resolve(self, written: DepKey, migration: Migration, attr: str) -> Key | None:
        """Swappable settings to ``(app, "__first__")``; ``None`` when the setting is unknown."""
        app, name, setting = written
        if not setting:
            return (app, name)
        model = self.swappable.get(setting)
        if model is None:
            self.problems.append(
                codes.UNKNOWN_SWAPPABLE.problem(
                    migration.path,
                    self._where(migration, attr, written, "whole"),
                    f"swappable_dependency(settings.{setting}): the setting's value is "
                    "not known, so this dependency is left out of the graph",
                )
            )
            return None
        return (model.split(".", 1)[0], "__first__")

    def _check_key(self, key: Key, current_app: str) -> Key | None:
        if key[1] not in _SPECIAL or key in self.nodes:
            return key
        if key[0] == current_app:
            return None
        if key[0] not in self.apps:
            return key  # an external app: kept as written
        # The ends as they stand before any cross-app edge is added: what Django picks whenever
        # the answer does not depend on its load order (else MM116 says so), whatever our order.
        return self.special.get(key)

    # -- the five steps --------------------------------------------------------------------------
    def build(self) -> Graph:
        resolved: list[tuple[Key, Migration, list[tuple[DepKey, Key]]]] = []
        for key, migration in self.migrations.items():
            targets = []
            for written in migration.decl.dependencies:
                target = (
                    self._resolve(written, migration, "dependencies")
                    if written[2]
                    else (written[0], written[1])
                )
                if target is not None:
                    targets.append((written, target))
            resolved.append((key, migration, targets))
        # 2. internal dependencies
        parents, children = self.parents, self.children
        for key, _, targets in resolved:
            for _, parent in targets:
                if parent[0] == key[0] and parent[1] != "__first__":
                    if parent not in parents:
                        self._ensure(parent)
                    parents[key].add(parent)
                    children[parent].add(key)
        # 3. external dependencies and run_before
        self.special = self._first_and_latest()
        self.unstable = self._order_dependent(resolved)
        for key, migration, targets in resolved:
            for written, parent in targets:
                if parent[0] == key[0]:
                    continue
                target = self._check_key(parent, key[0])
                if target is None:
                    continue
                if parent in self.unstable:
                    self._note_unstable(migration, written, parent)
                if target[0] in self.apps:
                    self._add_edge(key, target)
                else:
                    self.external_parents.setdefault(key, set()).add(target)
                    self._note_external(migration, written, target)
            for written in migration.decl.run_before:
                run_before = self._resolve(written, migration, "run_before")
                if run_before is None:
                    continue
                target = self._check_key(run_before, key[0])
                if target is not None and target[0] in self.apps:
                    self._add_edge(target, key)
        # 4. replacements
        self._replace_all()
        # 5. validation
        self._report_missing()
        self._report_cycles()
        return self._freeze()

    def _order_dependent(
        self, resolved: list[tuple[Key, Migration, list[tuple[DepKey, Key]]]]
    ) -> dict[Key, tuple[Key, Key]]:
        """``__first__``/``__latest__`` references whose answer depends on Django's load order.

        Django resolves them while it adds cross-app edges, in the order of ``INSTALLED_APPS``
        and of a set of file names: placeholders for missing migrations, and ``run_before``
        edges within an app, can change an app's roots and leaves in between. Compare the ends
        before any of that with the ends after all of it: where they differ, so may Django.
        """
        dummies: dict[str, set[Key]] = {}
        edges: dict[str, list[tuple[Key, Key]]] = {}
        for key, migration, targets in resolved:
            for _, parent in targets:
                if parent[0] != key[0] and parent[1] not in _SPECIAL and parent not in self.nodes:
                    dummies.setdefault(parent[0], set()).add(parent)
            for written in migration.decl.run_before:
                child = self._quiet_resolve(written)
                if child is None or child[1] in _SPECIAL or child[0] not in self.apps:
                    continue
                if child not in self.nodes:
                    dummies.setdefault(child[0], set()).add(child)
                if child[0] == key[0]:
                    edges.setdefault(key[0], []).append((child, key))
        replacer: dict[Key, Key] = {}
        for migration in self.migrations.values():
            for written in migration.decl.replaces:
                replacer.setdefault(written[:2], migration.key)

        def final(key: Key) -> Key:
            """Where Django re-points ``key`` once squashes are applied."""
            seen = {key}
            while key in replacer and replacer[key] not in seen:
                key = replacer[key]
                seen.add(key)
            return key

        unstable: dict[Key, tuple[Key, Key]] = {}
        for app in sorted(set(dummies) | set(edges)):
            if app not in self.apps:
                continue
            nodes = self.by_app[app] | dummies.get(app, set())
            with_parent = {n for n in nodes if any(p[0] == app for p in self.parents.get(n, ()))}
            with_child = {n for n in nodes if any(c[0] == app for c in self.children.get(n, ()))}
            for child, parent in edges.get(app, []):
                with_parent.add(child)
                with_child.add(parent)
            settled = {
                "__first__": sorted(nodes - with_parent),
                "__latest__": sorted(nodes - with_child),
            }
            for name, ends in settled.items():
                before = self.special.get((app, name))
                if ends and before is not None and final(ends[0]) != final(before):
                    unstable[(app, name)] = (before, ends[0])
        return unstable

    def _quiet_resolve(self, written: DepKey) -> Key | None:
        app, name, setting = written
        if not setting:
            return (app, name)
        model = self.swappable.get(setting)
        return (model.split(".", 1)[0], "__first__") if model else None

    def _note_unstable(self, migration: Migration, written: DepKey, parent: Key) -> None:
        one, other = self.unstable[parent]
        shown = f"swappable_dependency(settings.{written[2]})" if written[2] else _dotted(parent)
        self.problems.append(
            codes.ORDER_DEPENDENT.problem(
                migration.path,
                self._where(migration, "dependencies", written, "whole"),
                f"{shown} points at {_dotted(one)} or at {_dotted(other)}, depending on the "
                "order in which Django loads apps and migrations",
            )
        )

    def _note_external(self, migration: Migration, written: DepKey, target: Key) -> None:
        if target[0] in _KNOWN_EXTERNAL or target[0] in self.other_apps or written[2]:
            return
        import difflib  # only for an unknown app: not on every build

        close = difflib.get_close_matches(target[0], sorted(self.apps), n=1, cutoff=0.75)
        if close:
            self.problems.append(
                codes.SUSPICIOUS_APP.problem(
                    migration.path,
                    self._where(migration, "dependencies", written, "app"),
                    f"depends on app {target[0]!r}, which is not in this repository; "
                    f"did you mean {close[0]!r}?",
                )
            )

    def _replace_all(self) -> None:
        replacements = [m for m in self.migrations.values() if m.decl.replaces]
        replacing = {m.key for m in replacements}
        # Django applies squashes in arbitrary order, so a squash that replaces another squash
        # (still listing ``replaces``) loads or fails depending on that order. Report it, and
        # apply inner squashes first, the only order in which Django succeeds.
        nested = {
            m.key: [r[:2] for r in m.decl.replaces if r[:2] in replacing] for m in replacements
        }
        replacers: dict[Key, list[Key]] = {}
        for migration in replacements:
            for written in migration.decl.replaces:
                replacers.setdefault(written[:2], []).append(migration.key)
        for key, squashes in sorted(replacers.items()):
            distinct = sorted(set(squashes))
            if len(distinct) > 1:
                first = self.migrations[distinct[0]]
                self.problems.append(
                    codes.NESTED_SQUASH.problem(
                        first.path,
                        first.decl.class_span,
                        f"{_dotted(key)} is replaced by both "
                        + " and ".join(_dotted(s) for s in distinct),
                        related=tuple(
                            Location(self.migrations[s].path, self.migrations[s].decl.class_span)
                            for s in distinct[1:]
                        ),
                    )
                )
        for migration in replacements:
            for inner in nested[migration.key]:
                self.problems.append(
                    codes.NESTED_SQUASH.problem(
                        migration.path,
                        migration.decl.class_span,
                        f"{_dotted(migration.key)} replaces {_dotted(inner)}, which is itself a "
                        "squashed migration still listing `replaces`",
                    )
                )
        notes: list[tuple[Key, Key, AbstractSet[Key]]] = []
        for migration in sorted(replacements, key=lambda m: (_depth(m.key, nested), m.key)):
            self._remove_replaced_nodes(migration, notes)
        # judged once every squash is in place: a migration that a squash replaces will go with
        # it, so only the migrations that stay are told to depend on the squash instead
        for key, squash, children in notes:
            self._note_replaced_dependency(
                key, squash, {child for child in children if child not in self.replaced_by}
            )

    def _remove_replaced_nodes(
        self, migration: Migration, notes: list[tuple[Key, Key, AbstractSet[Key]]]
    ) -> None:
        replacement = migration.key
        if replacement not in self.parents:
            self.problems.append(
                codes.DANGLING_REPLACEMENT.problem(
                    migration.path,
                    migration.decl.class_span,
                    f"{_dotted(replacement)} was itself replaced, so it cannot replace "
                    "the migrations it lists",
                )
            )
            return
        replaced = {written[:2] for written in migration.decl.replaces}
        for key in sorted(replaced):
            if key not in self.parents:
                continue
            self.nodes.discard(key)
            self.by_app[key[0]].discard(key)
            self.dummies.discard(key)
            node_parents = self.parents.pop(key)
            node_children = self.children.pop(key)
            if key in self.migrations:
                self.replaced_by[key] = replacement
            else:
                notes.append((key, replacement, node_children - replaced))
            for child in node_children:
                if child in self.parents:  # not already replaced in this loop
                    self.parents[child].discard(key)
                if child not in replaced:
                    self.children[replacement].add(child)
                    self.parents[child].add(replacement)
            for parent in node_parents:
                if parent in self.children:
                    self.children[parent].discard(key)
                if parent not in replaced:
                    self.parents[replacement].add(parent)
                    self.children[parent].add(replacement)
            external = self.external_parents.pop(key, None)
            if external:
                self.external_parents.setdefault(replacement, set()).update(external)

    def _note_replaced_dependency(self, key: Key, squash: Key, children: AbstractSet[Key]) -> None:
        """Warn about dependencies on ``key``, a migration that exists only in ``squash``'s
        ``replaces``: Django follows the squash until its ``replaces`` is removed."""
        for child in sorted(children):
            migration = self.migrations.get(child)
            if migration is None:
                continue
            written = self._written(migration.decl.dependencies, key, migration)
            if written is None or written[:2] != key:
                continue
            self.problems.append(
                codes.REPLACED_DEPENDENCY.problem(
                    migration.path,
                    self._where(migration, "dependencies", written, "name"),
                    f"{_dotted(child)} depends on {_dotted(key)}, which exists only in the "
                    f"`replaces` of {_dotted(squash)}: depend on {_dotted(squash)} instead",
                    related=(Location(self.migrations[squash].path),),
                    app=child[0],
                )
            )

    def _report_missing(self) -> None:
        for missing in sorted(self.dummies):
            for child in sorted(self.children[missing]):
                migration = self.migrations.get(child)
                if migration is None:
                    continue
                written = self._written(migration.decl.dependencies, missing, migration)
                self.problems.append(
                    codes.MISSING_DEPENDENCY.problem(
                        migration.path,
                        self._where(migration, "dependencies", written, "name")
                        if written
                        else migration.decl.class_span,
                        f"{_dotted(child)} depends on {_dotted(missing)}, which does not exist",
                    )
                )
            for parent in sorted(self.parents[missing]):
                migration = self.migrations.get(parent)
                if migration is None:
                    continue
                written = self._written(migration.decl.run_before, missing, migration)
                self.problems.append(
                    codes.MISSING_DEPENDENCY.problem(
                        migration.path,
                        self._where(migration, "run_before", written, "name")
                        if written
                        else migration.decl.class_span,
                        f"{_dotted(parent)} must run before {_dotted(missing)}, "
                        "which does not exist",
                    )
                )
        for missing in self.dummies:
            for child in self.children.pop(missing):
                self.parents[child].discard(missing)
            for parent in self.parents.pop(missing):
                self.children[parent].discard(missing)
            self.nodes.discard(missing)
            self.by_app[missing[0]].discard(missing)
        self.dummies.clear()

    def _written(
        self, written: tuple[DepKey, ...], target: Key, migration: Migration
    ) -> DepKey | None:
        """The reference as written that resolved to ``target``."""
        for item in written:
            if item[:2] == target:
                return item
        for item in written:
            if item[2] and (self.swappable.get(item[2], "").split(".", 1)[0] == target[0]):
                return item
        for item in written:
            if item[1] in _SPECIAL and item[0] == target[0]:
                return item  # ``__first__`` or ``__latest__`` resolved to the missing node
        return None

    def _report_cycles(self) -> None:
        # Kahn's algorithm proves most graphs acyclic quickly; only what it cannot order is
        # searched for the cycles themselves.
        pending = {n: len(self.parents[n]) for n in self.nodes}
        ready = [n for n, count in pending.items() if count == 0]
        while ready:
            node = ready.pop()
            for child in self.children[node]:
                pending[child] -= 1
                if pending[child] == 0:
                    ready.append(child)
        cyclic = {n for n, count in pending.items() if count > 0}
        if cyclic:
            self._find_cycles(cyclic)

    def _find_cycles(self, candidates: set[Key]) -> None:
        """One problem per strongly connected set of nodes: the same answer whatever the order."""
        for component in _strongly_connected(candidates, self.children):
            start = min(component)
            if len(component) > 1 or start in self.children[start]:
                self._cycle_problem(self._shortest_cycle(start, component))

    def _shortest_cycle(self, start: Key, component: set[Key]) -> list[Key]:
        """The shortest path from ``start`` back to itself within ``component``."""
        came_from: dict[Key, Key] = {}
        queue = [start]
        for node in queue:
            for child in sorted(self.children[node] & component):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                if child not in came_from:
                    came_from[child] = node
                    queue.append(child)
        return [start]  # pragma: no cover - a strongly connected set always closes a cycle

    def _cycle_problem(self, cycle: list[Key]) -> None:
        first = self.migrations[cycle[0]]
        listed = " -> ".join(_dotted(k) for k in [*cycle, cycle[0]])
        self.problems.append(
            codes.CIRCULAR_DEPENDENCY.problem(
                first.path,
                first.decl.class_span,
                f"circular dependency: {listed}",
                related=tuple(
                    Location(self.migrations[k].path, self.migrations[k].decl.class_span)
                    for k in cycle[1:]
                ),
            )
        )

    def _freeze(self) -> Graph:
        has_parent: set[Key] = set()  # in its own app
        has_child: set[Key] = set()
        for key, value in self.parents.items():
            for parent in value:
                if parent[0] == key[0]:
                    has_parent.add(key)
                    has_child.add(parent)
        for key, external in self.external_parents.items():
            self.parents[key] |= external
        leaves: dict[str, list[Key]] = {app: [] for app in sorted(self.apps)}
        roots: dict[str, list[Key]] = {app: [] for app in leaves}
        for key in self.nodes:
            if key not in has_child:
                leaves[key[0]].append(key)
            if key not in has_parent:
                roots[key[0]].append(key)
        return Graph(
            migrations=self.migrations,
            nodes=frozenset(self.nodes),
            parents=self.parents,
            children=self.children,
            leaves={app: tuple(sorted(keys)) for app, keys in leaves.items()},
            roots={app: tuple(sorted(keys)) for app, keys in roots.items()},
            replaced_by=self.replaced_by,
            problems=tuple(self.problems),
            special=self.special,
        )


def _strongly_connected(nodes: set[Key], edges: Mapping[Key, AbstractSet[Key]]) -> list[set[Key]]:
    """Tarjan's strongly connected components of the subgraph on ``nodes`` (iteratively)."""
    index: dict[Key, int] = {}
    low: dict[Key, int] = {}
    stack: list[Key] = []
    on_stack: set[Key] = set()
    found: list[set[Key]] = []
    for root in sorted(nodes):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root] & nodes)))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child] & nodes))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    found.append(component)
    return found


def _depth(key: Key, nested: Mapping[Key, list[Key]], seen: frozenset[Key] = frozenset()) -> int:
    inner = [k for k in nested.get(key, ()) if k not in seen]
    return 1 + max((_depth(k, nested, seen | {key}) for k in inner), default=0) if inner else 0


def _migration_key(migration: Migration) -> Key:
    return (migration[0], migration[1][1])  # (app, decl.name), without the properties' calls


def _dotted(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def build_graph(
    migrations: Sequence[Migration],
    swappable: Mapping[str, str] = DEFAULT_SWAPPABLE,
    locate: Locate | None = None,
    other_apps: AbstractSet[str] = frozenset(),
) -> Graph:
    """Build the graph Django would load from these migrations (see the module docstring).

    ``other_apps`` names the repository's apps left out of ``migrations`` (when a graph is built
    for part of a repository): references to them are external here, but never typos.
    """
    return _Builder(migrations, swappable, locate, other_apps).build()
