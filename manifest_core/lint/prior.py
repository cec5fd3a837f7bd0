"""Prior state along the graph: each app's model state before any of its migrations.

A :class:`LintSession` holds a loaded :class:`~manifest_core.project.Project`. The state before
migration ``M`` is the app's state after every migration of the same app that ``M`` depends on,
directly or not, applied in dependency order, exactly the migrations Django would have applied
first. Ancestor sets are bitsets over a topological order of the graph, so asking for the state
before every migration of a 5,000-migration repository costs one replay of each migration:

* when ``M``'s same-app ancestors are one migration ``P`` and ``P``'s own ancestors (a chain, the
  common case), the state before ``M`` is the state after ``P``, memoised;
* after a merge, the ancestors are replayed in topological order.

Each migration file is parsed once (and only when its operations are needed). The language server
keeps one session per project and calls :meth:`LintSession.lint_text` on every keystroke: only
the buffer is parsed, the prior state comes from the memo.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from manifest_core.model import Key
from manifest_core.project import Project
from manifest_core.reader import migration_name
from manifest_core.text import DecodeError, decode_source

from .engine import PriorState, lint_parsed
from .findings import FileResult
from .operations import Operation, bind
from .settings import LintSettings
from .source import ParsedMigration, parse_source
from .state import AppState, apply_operations

if TYPE_CHECKING:
    from .framework import BaseClasses


@dataclass(frozen=True)
class _Order:
    index: Mapping[Key, int]
    keys: tuple[Key, ...]
    ancestors: Mapping[Key, int]  #: bitset of every ancestor node, by topological index
    app_mask: Mapping[str, int]  #: bitset of each app's nodes


class LintSession:
    """Lints the migrations of one loaded project, sharing parsed files and replayed states."""

    def __init__(
        self,
        project: Project,
        settings: LintSettings | None = None,
        *,
        new_migrations: Iterable[Key] = (),
        overlays: Mapping[str, str] | None = None,
    ) -> None:
        self.project = project
        self.settings = settings or LintSettings()
        self.new_migrations = frozenset(new_migrations)
        self.overlays = dict(project.overlays)
        self.overlays.update(overlays or {})
        self.swappable = dict(project.config.swappable)
        self._parsed: dict[str, ParsedMigration] = {}
        self._after: dict[Key, AppState] = {}
        self._order: _Order | None = None
        self._folders: dict[str, str] | None = None
        self._base_classes: BaseClasses | None = None

    # -- files --
    def text(self, path: str) -> str | None:
        """A migration file's text: the overlay if there is one, else the file on disk."""
        if path in self.overlays:
            return self.overlays[path]
        try:
            with open(os.path.join(self.project.root, path), "rb") as handle:
                return decode_source(handle.read())
        except (OSError, DecodeError):
            return None

    def parsed(self, key: Key) -> ParsedMigration | None:
        migration = self.project.graph.migrations.get(key)
        if migration is None:
            return None
        path = migration.path
        found = self._parsed.get(path)
        if found is None:
            text = self.text(path)
            if text is None:
                return None
            found = self._parsed[path] = self._framework(parse_source(path, text))
        return found

    def _framework(self, parsed: ParsedMigration) -> ParsedMigration:
        """The migration with what its base classes in the repository set (``atomic = False``,
        a post-deploy marker), and its operations of classes the repository defines as plain
        subclasses of Django's, read statically."""
        if not parsed.ok:
            return parsed
        unknown = [
            op for op in parsed.operations if not op.known and op.call and op.family == "unknown"
        ]
        if not parsed.bases and not unknown:
            return parsed
        if self._base_classes is None:
            from .framework import BaseClasses

            self._base_classes = BaseClasses(
                self.project.root, [app.path for app in self.project.apps.values()]
            )
        if unknown:
            parsed = replace(
                parsed,
                operations=tuple(_as_django(op, self._base_classes) for op in parsed.operations),
            )
        if not parsed.bases:
            return parsed
        inherited = self._base_classes.flags(parsed.bases)
        if not inherited:
            return parsed
        flags = {**inherited, **dict(parsed.flags)}
        atomic = parsed.atomic
        if parsed.atomic_span is None and flags.get("atomic") is False:
            atomic = False
        return replace(parsed, flags=tuple(flags.items()), atomic=atomic)

    def reset_states(self) -> None:
        """Forget the replayed states, keeping the parsed files (settings or the graph changed)."""
        self._after.clear()

    def forget(self, path: str) -> None:
        """Drop what is memoised about a file that changed (the language server's didChange)."""
        self._parsed.pop(path, None)
        self._after.clear()

    def release(self, app: str) -> None:
        """Forget the parsed files and replayed states of ``app`` (a whole-project lint is done
        with it: the states of one app never need another app's files)."""
        found = self.project.apps.get(app)
        for migration in found.migrations if found is not None else ():
            self._parsed.pop(migration.path, None)
            self._after.pop(migration.key, None)

    def rebased(
        self, project: Project, *, new_migrations: Iterable[Key] | None = None
    ) -> LintSession:
        """A session for the same files under a new graph (a migration added, removed or
        re-pointed, as the language server sees after an edit): the parsed files are kept,
        the replayed states are not. Files that changed must be :meth:`forget` first."""
        session = LintSession(
            project,
            self.settings,
            new_migrations=self.new_migrations if new_migrations is None else new_migrations,
            overlays=self.overlays,
        )
        session._parsed.update(self._parsed)
        return session

    # -- the graph in topological order --
    def order(self) -> _Order:
        if self._order is None:
            self._order = _topological(self.project)
        return self._order

    def same_app_ancestors(self, key: Key) -> int:
        order = self.order()
        return order.ancestors.get(key, 0) & order.app_mask.get(key[0], 0)

    # -- states --
    def state_before(self, key: Key) -> AppState:
        """The app's state just before migration ``key`` (in the graph or replaced)."""
        order = self.order()
        if key in order.index:
            return self._state_for_mask(key[0], self.same_app_ancestors(key))
        return self._state_before_replaced(key)

    def state_after(self, key: Key) -> AppState:
        """The app's state just after migration ``key``, memoised."""
        found = self._after.get(key)
        if found is not None:
            return found
        # Walk down the chain to a memoised state, then replay forwards (no recursion: chains
        # are as long as an app's history).
        chain: list[Key] = []
        current: Key | None = key
        base: AppState | None = None
        while current is not None:
            memo = self._after.get(current)
            if memo is not None:
                base = memo
                break
            chain.append(current)
            mask = self.same_app_ancestors(current)
            parent = self._chain_parent(current[0], mask)
            if parent is None:
                base = self._state_for_mask(current[0], mask) if mask else AppState(current[0])
                current = None
            else:
                current = parent
        state = base if base is not None else AppState(key[0])
        for step in reversed(chain):
            state = self._apply(step, state)
            self._after[step] = state
        return state

    def _chain_parent(self, app: str, mask: int) -> Key | None:
        """The migration whose ancestors plus itself are exactly ``mask``, if there is one."""
        if not mask:
            return None
        order = self.order()
        last = order.keys[mask.bit_length() - 1]
        if (1 << order.index[last]) | self.same_app_ancestors(last) == mask:
            return last
        return None

    def _state_for_mask(self, app: str, mask: int) -> AppState:
        if not mask:
            return AppState(app)
        parent = self._chain_parent(app, mask)
        if parent is not None:
            return self.state_after(parent)
        order = self.order()
        state = AppState(app)
        bits = mask
        while bits:
            low = bits & -bits
            state = self._apply(order.keys[low.bit_length() - 1], state)
            bits ^= low
        return state

    def _apply(self, key: Key, state: AppState) -> AppState:
        parsed = self.parsed(key)
        if parsed is None:
            return _caveat(state, f"{key[0]}.{key[1]} cannot be read")
        if not parsed.ok:
            return _caveat(state, f"{key[0]}.{key[1]} does not parse")
        if any(note.message.startswith("Migration.operations") for note in parsed.notes):
            state = _caveat(state, f"the operations of {key[0]}.{key[1]} are not a literal list")
        return apply_operations(state, parsed.operations, key, self.swappable)

    def _state_before_replaced(self, key: Key) -> AppState:
        """For a migration a squash replaced: replay its declared same-app ancestors."""
        migrations = self.project.graph.migrations
        seen: set[Key] = set()
        ordered: list[Key] = []

        def visit(node: Key) -> None:
            stack = [(node, False)]
            while stack:
                current, done = stack.pop()
                if done:
                    ordered.append(current)
                    continue
                if current in seen:
                    continue
                seen.add(current)
                stack.append((current, True))
                migration = migrations.get(current)
                if migration is None:
                    continue
                for app, name, _ in migration.decl.dependencies:
                    if app == key[0] and (app, name) in migrations:
                        stack.append(((app, name), False))

        visit(key)
        state = AppState(key[0])
        for node in ordered:
            if node != key:
                state = self._apply(node, state)
        return state

    def prior(self, key: Key, *, explicit: bool = False) -> PriorState:
        """The :class:`PriorState` to lint migration ``key`` against."""
        return PriorState(
            key=key,
            state=self.state_before(key),
            new_migrations=self.new_migrations,
            swappable=self.swappable,
            squash_deployed=not explicit and self._squash_deployed(key),
        )

    def _squash_deployed(self, key: Key) -> bool:
        migration = self.project.graph.migrations.get(key)
        if migration is None or not migration.decl.replaces:
            return False
        for app, name, _ in migration.decl.replaces:
            replaced = (app, name)
            if replaced not in self.project.graph.migrations or replaced not in self.new_migrations:
                return True
        return False

    # -- linting --
    def lint(self, key: Key, *, explicit: bool = False) -> FileResult:
        """Lint migration ``key`` as it is on disk (or in the overlays)."""
        parsed = self.parsed(key)
        migration = self.project.graph.migrations[key]
        if parsed is None:
            parsed = parse_source(migration.path, "")
            text = self.text(migration.path)
            if text is None:
                from .source import ParseNote

                note = ParseNote("unparsable", None, "cannot be read: it is not a readable file")
                parsed = ParsedMigration(migration.path, key[1], "", ok=False, notes=(note,))
        result = lint_parsed(parsed, self.prior(key, explicit=explicit), self.settings)
        if result.state_after is not None and key not in self._after:
            self._after[key] = result.state_after  # the replay the linting just did
        return result

    def lint_text(self, path: str, text: str, *, app: str | None = None) -> FileResult:
        """Lint a buffer (saved or not) for ``path``: the editor's entry point.

        The prior state follows the buffer's own ``dependencies``, so editing them is reflected
        at once. ``app`` defaults to the app whose migrations folder holds ``path``.
        """
        parsed = self._framework(parse_source(path, text))
        label = app or self.app_of(path)
        key: Key = (label or "", migration_name(path))
        if label is None:
            return lint_parsed(parsed, PriorState.empty(key), self.settings)
        if key in self.project.graph.replaced_by:
            state = self._state_before_replaced(key)
        else:
            state = self._state_for_mask(label, self._mask_of(key, label, parsed))
        prior = PriorState(
            key=key,
            state=state,
            new_migrations=self.new_migrations,
            swappable=self.swappable,
            squash_deployed=False,
        )
        return lint_parsed(parsed, prior, self.settings)

    def _mask_of(self, key: Key, label: str, parsed: ParsedMigration) -> int:
        """The same-app ancestors of a buffer, from its own dependencies."""
        order = self.order()
        mask = 0
        for dep_app, name, setting in parsed.dependencies:
            if setting:
                target = self.swappable.get(setting, "")
                dep_app = target.split(".", 1)[0]
            dep = (dep_app, name)
            dep = self.project.graph.replaced_by.get(dep, dep)
            if dep in order.index:
                mask |= order.ancestors.get(dep, 0) | (1 << order.index[dep])
        mask &= order.app_mask.get(label, 0)
        if key in order.index:
            mask &= ~(1 << order.index[key])
        return mask

    def app_of(self, path: str) -> str | None:
        """The app whose migrations folder holds ``path`` (a file on disk or not)."""
        if self._folders is None:
            self._folders = {app.path: label for label, app in self.project.apps.items()}
        return self._folders.get(path.rpartition("/")[0])


def _as_django(op: Operation, classes: BaseClasses) -> Operation:
    """An operation of a repository class that only subclasses one of Django's, as that one."""
    if op.known or op.call is None or op.call.qualname.startswith("<module>."):
        return op
    found = classes.operation(op.call.qualname)
    if found is None:
        return op
    family, kind = found
    params, problem = bind(op.call, family, kind)
    return Operation(
        kind=kind,
        family=family,
        call=op.call,
        span=op.span,
        params=params,
        binding_problem=problem,
        text=op.text,
    )


def _caveat(state: AppState, text: str) -> AppState:
    return AppState(
        state.app,
        state.models,
        state.retired_tables,
        state.retired_columns,
        (*state.caveats, text),
        state.sql_tables,
    )


def _topological(project: Project) -> _Order:
    """Kahn's algorithm over the graph's nodes (ties broken by key, for stable output)."""
    import heapq

    graph = project.graph
    nodes = graph.nodes
    parents = {k: [p for p in graph.parents.get(k, ()) if p in nodes] for k in nodes}
    children: dict[Key, list[Key]] = {k: [] for k in nodes}
    waiting = {k: len(v) for k, v in parents.items()}
    for key, ps in parents.items():
        for parent in ps:
            children[parent].append(key)
    ready = [k for k, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    keys: list[Key] = []
    while ready:
        key = heapq.heappop(ready)
        keys.append(key)
        for child in children[key]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    index = {k: i for i, k in enumerate(keys)}
    ancestors: dict[Key, int] = {}
    app_mask: dict[str, int] = {}
    for i, key in enumerate(keys):
        bits = 0
        for parent in parents[key]:
            if parent in index:
                bits |= ancestors[parent] | (1 << index[parent])
        ancestors[key] = bits
        app_mask[key[0]] = app_mask.get(key[0], 0) | (1 << i)
    return _Order(index, tuple(keys), ancestors, app_mask)
