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
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from . import codes
from .model import Key, Location, Migration, Problem, Ref, RefKind

DEFAULT_SWAPPABLE: Mapping[str, str] = {"AUTH_USER_MODEL": "auth.User"}
_SPECIAL = ("__first__", "__latest__")
#: Labels of apps that ship with Django: references to them are never typos.
_KNOWN_EXTERNAL = frozenset(
    {"admin", "auth", "contenttypes", "flatpages", "redirects", "sessions", "sites", "gis"}
)


@dataclass(frozen=True)
class Graph:
    """The loaded graph. ``parents[key]`` are the node's dependencies as Django evaluates them."""

    migrations: Mapping[Key, Migration]  #: every migration file, replaced or not
    nodes: frozenset[Key]  #: the nodes left after replacement, as in ``MigrationGraph.nodes``
    parents: Mapping[Key, frozenset[Key]]  #: includes edges to external apps' nodes
    children: Mapping[Key, frozenset[Key]]
    leaves: Mapping[str, tuple[Key, ...]]  #: per app, sorted, as ``leaf_nodes(app)``
    roots: Mapping[str, tuple[Key, ...]]
    replaced_by: Mapping[Key, Key]  #: replaced key -> the squash that replaced it
    problems: tuple[Problem, ...]

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
        seen: set[Key] = set()
        stack = [key]
        while stack:
            for parent in self.parents.get(stack.pop(), ()):
                if parent not in seen and parent in self.nodes:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def descendants(self, key: Key) -> set[Key]:
        seen: set[Key] = set()
        stack = [key]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen


class _Builder:
    def __init__(self, migrations: Sequence[Migration], swappable: Mapping[str, str]) -> None:
        self.migrations = {m.key: m for m in sorted(migrations, key=lambda m: m.key)}
        self.swappable = swappable
        self.apps = frozenset(app for app, _ in self.migrations)
        self.nodes: set[Key] = set(self.migrations)
        self.by_app: dict[str, set[Key]] = {}
        for key in self.migrations:
            self.by_app.setdefault(key[0], set()).add(key)
        self.dummies: set[Key] = set()
        self._ends_cache: dict[tuple[str, str], list[Key]] = {}
        self.parents: dict[Key, set[Key]] = {k: set() for k in self.migrations}
        self.children: dict[Key, set[Key]] = {k: set() for k in self.migrations}
        self.external_parents: dict[Key, set[Key]] = {}
        self.replaced_by: dict[Key, Key] = {}
        self.problems: list[Problem] = []

    # -- helpers mirroring MigrationGraph -----------------------------------------------------
    def _ensure(self, key: Key) -> None:
        """Add a placeholder node for a missing parent or child, as ``add_dummy_node`` does."""
        if key not in self.parents:
            self.dummies.add(key)
            self.nodes.add(key)
            self.by_app.setdefault(key[0], set()).add(key)
            self.parents[key] = set()
            self.children[key] = set()
            self._invalidate(key[0])

    def _add_edge(self, child: Key, parent: Key) -> None:
        self._ensure(child)
        self._ensure(parent)
        self.parents[child].add(parent)
        self.children[parent].add(child)
        if child[0] == parent[0]:
            self._invalidate(child[0])

    def _invalidate(self, app: str) -> None:
        self._ends_cache.pop((app, "roots"), None)
        self._ends_cache.pop((app, "leaves"), None)

    def _roots(self, app: str) -> list[Key]:
        cached = self._ends_cache.get((app, "roots"))
        if cached is None:
            cached = sorted(
                n for n in self.by_app.get(app, ()) if all(p[0] != app for p in self.parents[n])
            )
            self._ends_cache[(app, "roots")] = cached
        return cached

    def _leaves(self, app: str) -> list[Key]:
        cached = self._ends_cache.get((app, "leaves"))
        if cached is None:
            cached = sorted(
                n for n in self.by_app.get(app, ()) if all(c[0] != app for c in self.children[n])
            )
            self._ends_cache[(app, "leaves")] = cached
        return cached

    def resolve_ref(self, ref: Ref, migration: Migration) -> Key | None:
        """Swappable settings to ``(app, "__first__")``; ``None`` when the setting is unknown."""
        if ref.kind is RefKind.SWAPPABLE and ref.setting is not None:
            model = self.swappable.get(ref.setting)
            if model is None:
                self.problems.append(
                    codes.UNKNOWN_SWAPPABLE.problem(
                        migration.path,
                        ref.span,
                        f"swappable_dependency(settings.{ref.setting}): the setting's value is "
                        "not known, so this dependency is left out of the graph",
                    )
                )
                return None
            return (model.split(".", 1)[0], "__first__")
        return ref.key

    def _check_key(self, key: Key, current_app: str) -> Key | None:
        if key[1] not in _SPECIAL or key in self.nodes:
            return key
        if key[0] == current_app:
            return None
        if key[0] not in self.apps:
            return key  # an external app: kept as written
        found = self._roots(key[0]) if key[1] == "__first__" else self._leaves(key[0])
        return found[0] if found else None

    # -- the five steps --------------------------------------------------------------------------
    def build(self) -> Graph:
        deps: dict[Key, list[tuple[Ref, Key]]] = {}
        for key, migration in self.migrations.items():
            resolved = []
            for ref in migration.file.dependencies:
                target = self.resolve_ref(ref, migration)
                if target is not None:
                    resolved.append((ref, target))
            deps[key] = resolved
        # 2. internal dependencies
        for key, resolved in deps.items():
            for _, parent in resolved:
                if parent[0] == key[0] and parent[1] != "__first__":
                    self._add_edge(key, parent)
        # 3. external dependencies and run_before
        for key, resolved in deps.items():
            migration = self.migrations[key]
            for ref, parent in resolved:
                if parent[0] == key[0]:
                    continue
                target = self._check_key(parent, key[0])
                if target is None:
                    continue
                if target[0] in self.apps:
                    self._add_edge(key, target)
                else:
                    self.external_parents.setdefault(key, set()).add(target)
                    self._note_external(migration, ref, target)
            for ref in migration.file.run_before:
                run_before = self.resolve_ref(ref, migration)
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

    def _note_external(self, migration: Migration, ref: Ref, target: Key) -> None:
        if target[0] in _KNOWN_EXTERNAL or ref.kind is RefKind.SWAPPABLE:
            return
        close = difflib.get_close_matches(target[0], sorted(self.apps), n=1, cutoff=0.75)
        if close:
            self.problems.append(
                codes.SUSPICIOUS_APP.problem(
                    migration.path,
                    ref.app_span or ref.span,
                    f"depends on app {target[0]!r}, which is not in this repository; "
                    f"did you mean {close[0]!r}?",
                )
            )

    def _replace_all(self) -> None:
        replacements = [m for m in self.migrations.values() if m.file.replaces]
        replacing = {m.key for m in replacements}
        # Django applies squashes in arbitrary order, so a squash that replaces another squash
        # (still listing ``replaces``) loads or fails depending on that order. Report it, and
        # apply inner squashes first, the only order in which Django succeeds.
        nested = {
            m.key: [r.key for r in m.file.replaces if r.key in replacing] for m in replacements
        }
        ordered = sorted(replacements, key=lambda m: (_depth(m.key, nested), m.key))
        replacers: dict[Key, list[Key]] = {}
        for migration in replacements:
            for ref in migration.file.replaces:
                replacers.setdefault(ref.key, []).append(migration.key)
        for key, squashes in sorted(replacers.items()):
            if len(set(squashes)) > 1:
                first = self.migrations[squashes[0]]
                self.problems.append(
                    codes.NESTED_SQUASH.problem(
                        first.path,
                        first.file.class_span,
                        f"{_dotted(key)} is replaced by both "
                        + " and ".join(_dotted(s) for s in sorted(set(squashes))),
                        related=tuple(
                            Location(self.migrations[s].path, self.migrations[s].file.class_span)
                            for s in sorted(set(squashes))[1:]
                        ),
                    )
                )
        for migration in replacements:
            for inner in nested[migration.key]:
                self.problems.append(
                    codes.NESTED_SQUASH.problem(
                        migration.path,
                        migration.file.class_span,
                        f"{_dotted(migration.key)} replaces {_dotted(inner)}, which is itself a "
                        "squashed migration still listing `replaces`",
                    )
                )
        for migration in ordered:
            self._remove_replaced_nodes(migration)

    def _remove_replaced_nodes(self, migration: Migration) -> None:
        replacement = migration.key
        if replacement not in self.parents:
            self.problems.append(
                codes.DANGLING_REPLACEMENT.problem(
                    migration.path,
                    migration.file.class_span,
                    f"{_dotted(replacement)} was itself replaced, so it cannot replace "
                    "the migrations it lists",
                )
            )
            return
        replaced = {r.key for r in migration.file.replaces}
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
            for child in node_children:
                self.parents[child].discard(key)
                if child not in replaced:
                    self.children[replacement].add(child)
                    self.parents[child].add(replacement)
            for parent in node_parents:
                self.children[parent].discard(key)
                if parent not in replaced:
                    self.parents[replacement].add(parent)
                    self.children[parent].add(replacement)
            external = self.external_parents.pop(key, None)
            if external:
                self.external_parents.setdefault(replacement, set()).update(external)

    def _report_missing(self) -> None:
        for missing in sorted(self.dummies):
            for child in sorted(self.children[missing]):
                migration = self.migrations.get(child)
                if migration is None:
                    continue
                ref = self._ref_to(migration, missing)
                self.problems.append(
                    codes.MISSING_DEPENDENCY.problem(
                        migration.path,
                        (ref.name_span or ref.span) if ref else migration.file.class_span,
                        f"{_dotted(child)} depends on {_dotted(missing)}, which does not exist",
                    )
                )
            for parent in sorted(self.parents[missing]):
                migration = self.migrations.get(parent)
                if migration is None:
                    continue
                ref = next((r for r in migration.file.run_before if r.key == missing), None)
                self.problems.append(
                    codes.MISSING_DEPENDENCY.problem(
                        migration.path,
                        (ref.name_span or ref.span) if ref else migration.file.class_span,
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
        self._ends_cache.clear()

    def _ref_to(self, migration: Migration, target: Key) -> Ref | None:
        for ref in migration.file.dependencies:
            if ref.key == target:
                return ref
        for ref in migration.file.dependencies:
            resolved = self.resolve_ref(ref, migration) if ref.kind is RefKind.SWAPPABLE else None
            if resolved and resolved[0] == target[0]:
                return ref
        return None

    def _report_cycles(self) -> None:
        state: dict[Key, int] = {}
        reported: set[frozenset[Key]] = set()
        for start in sorted(self.nodes):
            if state.get(start):
                continue
            stack: list[tuple[Key, Iterable[Key]]] = [(start, iter(sorted(self.children[start])))]
            path = [start]
            state[start] = 1
            while stack:
                node, it = stack[-1]
                advanced = False
                for child in it:
                    mark = state.get(child, 0)
                    if mark == 1:
                        cycle = path[path.index(child) :]
                        if frozenset(cycle) not in reported:
                            reported.add(frozenset(cycle))
                            self._cycle_problem(cycle)
                    elif mark == 0:
                        state[child] = 1
                        path.append(child)
                        stack.append((child, iter(sorted(self.children[child]))))
                        advanced = True
                        break
                if not advanced:
                    state[node] = 2
                    path.pop()
                    stack.pop()

    def _cycle_problem(self, cycle: list[Key]) -> None:
        first = self.migrations[cycle[0]]
        listed = ", ".join(_dotted(k) for k in cycle)
        self.problems.append(
            codes.CIRCULAR_DEPENDENCY.problem(
                first.path,
                first.file.class_span,
                f"circular dependency: {listed}",
                related=tuple(
                    Location(self.migrations[k].path, self.migrations[k].file.class_span)
                    for k in cycle[1:]
                ),
            )
        )

    def _freeze(self) -> Graph:
        parents = {
            k: frozenset(v | self.external_parents.get(k, set())) for k, v in self.parents.items()
        }
        apps = sorted(self.apps)
        return Graph(
            migrations=self.migrations,
            nodes=frozenset(self.nodes),
            parents=parents,
            children={k: frozenset(v) for k, v in self.children.items()},
            leaves={app: tuple(self._leaves(app)) for app in apps},
            roots={app: tuple(self._roots(app)) for app in apps},
            replaced_by=self.replaced_by,
            problems=tuple(self.problems),
        )


def _depth(key: Key, nested: Mapping[Key, list[Key]], seen: frozenset[Key] = frozenset()) -> int:
    inner = [k for k in nested.get(key, ()) if k not in seen]
    return 1 + max((_depth(k, nested, seen | {key}) for k in inner), default=0) if inner else 0


def _dotted(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def build_graph(
    migrations: Sequence[Migration], swappable: Mapping[str, str] = DEFAULT_SWAPPABLE
) -> Graph:
    """Build the graph Django would load from these migration files (see the module docstring)."""
    return _Builder(migrations, swappable).build()
