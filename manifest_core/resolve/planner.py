"""``plan_resolution``: from a loaded project and git's facts to a plan, without touching disk.

The steps, each of which can refuse (then the plan is empty and the problems say why):

1. refuse a graph that cannot be trusted (conflict markers in migration files, cycles, unreadable
   files) and a migrations.toml that records a head whose file is missing;
2. repair references to migrations an earlier resolve renamed (the later commits of a rebase
   still name them by their old names): matched by content, never by guess;
3. per conflicted app, decide which branch moves (:mod:`.sides`) and place its migrations after
   the other branch's head: shift their numbers, point the first ones at that head, rename the
   files; or, with ``--strategy merge``, write a merge migration. In an app without a conflict,
   the moving side's migrations that depend on a migration existing only in a squash's
   ``replaces`` (its file is gone) are pointed at the squash and placed after it the same way;
4. rewrite every reference to a renamed migration, in every app, as an edit of one string literal;
5. check the result: rebuild the graph from the planned files and require one leaf per resolved
   app, no missing node and no cycle, and no change to a file on the default branch;
6. rewrite migrations.toml from that graph.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from manifest_core import codes
from manifest_core.graph import Graph, build_graph
from manifest_core.manifest import ManifestEntry, render_manifest
from manifest_core.model import (
    Decl,
    DepKey,
    Key,
    Location,
    Migration,
    MigrationFile,
    Problem,
    ReadMethod,
    Ref,
    Severity,
    Span,
    dep_key,
)
from manifest_core.plan import FileCreate, FileRename, Plan, TextEdit, apply_edits, whole_text_span
from manifest_core.project import Project
from manifest_core.reader import migration_name, parse_migration
from manifest_core.text import parse_module

from . import graphs
from .merge import merge_name, merge_source
from .model import MERGE, RENUMBER, SQUASH, AppResolution, Resolution
from .numbering import shift_name
from .operations import Touch, touches
from .sides import (
    SPECIAL_NAMES,
    Branch,
    SideContext,
    classify,
    complete_sides,
    dangling_paths,
    decide,
)
from .sources import (
    all_refs,
    dependency_insertion,
    fingerprint,
    quote_style,
    replacement_literal,
    source_text,
    span_text,
)

#: Errors in the project that make its graph untrustworthy. Missing dependencies are looked at
#: after the repair step, which may explain them.
_REPAIRABLE = frozenset({codes.MISSING_DEPENDENCY.code})
_GRAPH_ERRORS = frozenset(
    {
        codes.MISSING_DEPENDENCY.code,
        codes.CIRCULAR_DEPENDENCY.code,
        codes.NESTED_SQUASH.code,
        codes.DANGLING_REPLACEMENT.code,
    }
)


def plan_resolution(
    project: Project,
    context: SideContext | None = None,
    *,
    strategy: str = RENUMBER,
    move: str | None = None,
    apps: Collection[str] | None = None,
    applied: AbstractSet[Key] | None = None,
    migrate_command: str = "python manage.py",
) -> Resolution:
    """Plan the resolution of every conflicted app (or only ``apps``). Pure: reads, never writes.

    ``context`` is what git says (:func:`~manifest_core.resolve.sides.gather_context`); without
    it the project is treated as outside git. ``applied`` is the set of migrations a database
    recorded, when known: a plan that would move one of them is refused.
    """
    planner = _Planner(
        project,
        context or SideContext(),
        strategy=strategy,
        move=move,
        scope=frozenset(apps) if apps is not None else None,
        applied=applied,
        migrate_command=migrate_command,
    )
    return planner.run()


@dataclass
class _Planner:
    project: Project
    context: SideContext
    strategy: str
    move: str | None
    scope: frozenset[str] | None
    applied: AbstractSet[Key] | None
    migrate_command: str
    graph: Graph | None = None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    files: dict[str, MigrationFile] = field(default_factory=dict)
    texts: dict[str, str | None] = field(default_factory=dict)
    #: Every migration whose name changes (renamed now, or by an earlier resolve): its new name.
    names: dict[Key, str] = field(default_factory=dict)
    repaired: dict[Key, str] = field(default_factory=dict)
    #: (path, attribute, index of the reference) -> the migration it must point at instead.
    rewire: dict[tuple[str, str, int], Key] = field(default_factory=dict)
    inserts: dict[str, Key] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)
    creates: list[FileCreate] = field(default_factory=list)
    results: list[AppResolution] = field(default_factory=list)
    #: Apps whose default-branch migrations the user chose to move (``--move``).
    waived: set[str] = field(default_factory=set)
    #: Per resolved app, the groups of migrations whose operations are compared for clashes.
    groups: dict[str, list[tuple[str, list[Key]]]] = field(default_factory=dict)
    references: list[tuple[str, int, str, str]] = field(default_factory=list)

    # --- reading ---------------------------------------------------------------------------

    def file(self, path: str) -> MigrationFile:
        found = self.files.get(path)
        if found is None:
            found = self.files[path] = self.project.read_file(path)
        return found

    def text(self, path: str) -> str | None:
        if path not in self.texts:
            self.texts[path] = source_text(self.project, path)
        return self.texts[path]

    def location(self, key: Key) -> Location:
        assert self.graph is not None
        migration = self.graph.migrations[key]
        return Location(migration.path, migration.decl.class_span)

    def in_scope(self, label: str) -> bool:
        return self.scope is None or label in self.scope

    # --- the steps ---------------------------------------------------------------------------

    def run(self) -> Resolution:
        blocking = [
            p
            for p in self.project.problems
            if p.severity >= Severity.ERROR and p.code not in _REPAIRABLE
        ]
        if blocking:
            return self.refused(blocking)
        self.repair()
        assert self.graph is not None
        missing = [p for p in self.graph.problems if p.code in _GRAPH_ERRORS]
        if missing:
            return self.refused(missing)
        heads = self.missing_heads()
        if heads:
            return self.refused(heads)
        conflicts = {
            label: leaves for label, leaves in self.graph.conflicts.items() if self.in_scope(label)
        }
        repaired_apps = {k[0] for k in self.repaired}
        squashed_away = {
            label: deps
            for label, deps in self.squashed_away_dependencies().items()
            if self.in_scope(label) and label not in conflicts and label not in repaired_apps
        }
        manifest = self.project.manifest
        if not conflicts and not repaired_apps and not squashed_away and not manifest.conflicted:
            return Resolution(Plan("resolve: nothing to do"), nothing_to_do=True)
        for label in sorted(conflicts):
            if self.strategy == MERGE:
                self.merge_app(label, conflicts[label])
            else:
                self.renumber_app(label, conflicts[label])
        for label in sorted(repaired_apps - set(conflicts)):
            if self.in_scope(label):
                self.continue_app(label)
        for label in sorted(squashed_away):
            self.follow_squash(label, squashed_away[label])
        self.check_unreadable_references()
        if self.errors():
            return self.refused(self.problems)
        edits = self.reference_edits()
        self.check_targets()
        self.check_default_branch(edits)
        if self.errors():
            return self.refused(self.problems)
        after = self.simulate(edits)
        if self.errors():
            return self.refused(self.problems)
        assert after is not None
        manifest_edit, changes = self.manifest_plan(after)
        self.clash_warnings()
        commands = self.migrate_commands()
        self.check_applied()
        if self.errors():
            return self.refused(self.problems)
        creates = list(self.creates)
        edits_out = list(edits)
        if isinstance(manifest_edit, FileCreate):
            creates.append(manifest_edit)
        elif manifest_edit is not None:
            edits_out.append(manifest_edit)
        if not (edits_out or creates or self.renames):
            # Only apps out of scope are conflicted, and they keep migrations.toml conflicted.
            return Resolution(
                Plan("resolve: nothing to do"), notes=tuple(self.notes), nothing_to_do=True
            )
        plan = Plan(
            title=self.title(),
            edits=tuple(sorted(edits_out, key=lambda e: (e.path, e.span))),
            renames=tuple(self.ordered_renames()),
            creates=tuple(creates),
            notes=tuple(
                [p.message for p in self.problems if p.severity < Severity.ERROR]
                + [f"if a database applied the migrations that move: {c}" for c in commands]
                + self.notes
            ),
        )
        return Resolution(
            plan=plan,
            apps=tuple(self.results),
            problems=tuple(sorted(self.problems, key=Problem.sort_key)),
            manifest_changes=tuple(changes),
            migrate_commands=tuple(commands),
            notes=tuple(self.notes),
            references=tuple(self.references),
        )

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity >= Severity.ERROR]

    def refused(self, problems: list[Problem]) -> Resolution:
        return Resolution(
            Plan("resolve: refused"),
            apps=tuple(self.results),
            problems=tuple(sorted(problems, key=Problem.sort_key)),
            notes=tuple(self.notes),
        )

    def title(self) -> str:
        labels = ", ".join(r.label for r in self.results) or "migrations.toml"
        return f"resolve: {self.strategy} {labels}"

    # --- 1. what cannot be trusted -------------------------------------------------------------

    def missing_heads(self) -> list[Problem]:
        """A conflicted migrations.toml side whose recorded head has no migration file (and was
        not renamed by an earlier resolve of that app: then the rewrite records the new name)."""
        manifest = self.project.manifest
        if not manifest.conflicted or manifest.theirs is None:
            return []
        assert self.graph is not None
        problems = []
        for label in sorted(manifest.conflicted_labels()):
            if not self.in_scope(label):
                continue
            for side, entries in (("ours", manifest.entries), ("theirs", manifest.theirs)):
                entry = entries.get(label)
                if entry is None or entry.head is None:
                    continue
                app = self.project.apps.get(label)
                if app is not None and (label, entry.head) in self.graph.migrations:
                    continue
                key = (label, entry.head)
                if app is not None and key in self.repaired:
                    continue
                renamed = self.renamed_to(key, f"{app.path}/{entry.head}.py") if app else None
                if renamed is not None:
                    self.notes.append(
                        f"migrations.toml records {label}'s head by its old name {entry.head} "
                        f"({side}): it was renamed {renamed} earlier (same content)"
                    )
                    continue
                folder = app.path if app is not None else entry.path or f"{label}/migrations"
                problems.append(
                    codes.RESOLVE_MISSING_HEAD.problem(
                        manifest.path,
                        _line_span(entry),
                        f"migrations.toml records {label}'s head as {entry.head} ({side}), "
                        f"but there is no {folder}/{entry.head}.py",
                    )
                )
        return problems

    # --- 2. repair references to migrations renamed earlier ------------------------------------

    def renamed_to(self, key: Key, path: str) -> str | None:
        """The name migration ``key`` (which no longer exists) has now, if an earlier step
        renamed it: the one migration of its app with the same content, references aside, that
        was not already beside it in the commit its old content comes from."""
        old_text = self.context.old_sources.get(path)
        if old_text is None:
            return None
        old_file = parse_migration(path, old_text)
        if old_file.method is not ReadMethod.AST:
            return None
        wanted = fingerprint(old_text, old_file)
        skeleton = _skeleton(key[1])
        existed = self.context.old_siblings.get(path, frozenset())
        matches = []
        for migration in self.project.apps[key[0]].migrations:
            if migration.name == key[1] or _skeleton(migration.name) != skeleton:
                continue
            if migration.path in existed:
                continue  # it was already there beside the old file: not its new name
            text = self.text(migration.path)
            if text is not None and fingerprint(text, self.file(migration.path)) == wanted:
                matches.append(migration.name)
        return matches[0] if len(matches) == 1 else None

    def repair(self) -> None:
        for key, path in sorted(dangling_paths(self.project).items()):
            new = self.renamed_to(key, path)
            if new is not None:
                self.repaired[key] = new
                self.notes.append(
                    f"{key[0]}.{key[1]} was renamed {new} earlier (same content): "
                    "references to the old name are rewritten"
                )
        self.names.update(self.repaired)
        if not self.repaired:
            self.graph = self.project.graph
            return

        def rename(deps: tuple[DepKey, ...]) -> tuple[DepKey, ...]:
            return tuple(
                (d[0], self.repaired.get((d[0], d[1]), d[1]), d[2]) if not d[2] else d for d in deps
            )

        migrations = [
            Migration(
                app.label,
                m.decl._replace(
                    dependencies=rename(m.decl.dependencies),
                    replaces=rename(m.decl.replaces),
                    run_before=rename(m.decl.run_before),
                ),
            )
            for app in self.project.apps.values()
            for m in app.migrations
        ]
        self.graph = build_graph(migrations, self.project.config.swappable, self.locate)

    def locate(self, migration: Migration, attr: str, written: DepKey) -> Ref | None:
        refs: tuple[Ref, ...] = getattr(self.file(migration.path), attr, ())
        for ref in refs:
            key = dep_key(ref)
            if key == written or (
                not key[2] and (key[0], self.repaired.get(key[:2], key[1]), "") == written
            ):
                return ref
        return None

    # --- 3. per app ----------------------------------------------------------------------------

    def renumber_app(self, label: str, leaves: tuple[Key, ...]) -> None:
        assert self.graph is not None
        graph = self.graph
        if len(leaves) != 2:
            where = self.location(leaves[0])
            names = ", ".join(k[1] for k in leaves)
            self.problems.append(
                codes.RESOLVE_UNSUPPORTED_SHAPE.problem(
                    where.path,
                    where.span,
                    f"{label} has {len(leaves)} leaf migrations ({names}); renumbering puts one "
                    "branch after the other, so it needs exactly two",
                    related=tuple(self.location(k) for k in leaves[1:]),
                )
            )
            return
        branches = []
        for leaf, other in (leaves, leaves[::-1]):
            only = graphs.order(graphs.exclusive(graph, label, leaf, [other]))
            paths = tuple(graph.migrations[k].path for k in only)
            branch = Branch(leaf, tuple(only), paths)
            branches.append(classify(branch, self.context, self.project.manifest, label))
        first, second = complete_sides(branches[0], branches[1])
        decision = decide(
            label,
            (first, second),
            self.context,
            self.move,
            {k: self.location(k) for k in leaves},
        )
        if decision.problem is not None:
            self.problems.append(decision.problem)
            return
        if decision.warning is not None:
            self.problems.append(decision.warning)
            self.waived.add(label)
        assert decision.moving is not None
        moving = (first, second)[decision.moving]
        staying = (first, second)[1 - decision.moving]
        members = set(moving.members) | graphs.replaced_members(graph, label, moving.members)
        after = staying.leaf
        delta = graphs.shift_for(members, graphs.number_after(graph, after))
        renames = self.rename_members(label, members, delta)
        target = self.rewire_roots(label, members, after)
        self.groups[label] = [
            (staying.side or f"the branch of {staying.leaf[1]}", list(staying.members)),
            (moving.side or f"the branch of {moving.leaf[1]}", graphs.order(members)),
        ]
        ordered = graphs.order(members)
        head = moving.leaf
        self.results.append(
            AppResolution(
                label=label,
                strategy=RENUMBER,
                leaves=tuple(k[1] for k in leaves),
                head=self.names.get(head, head[1]),
                kept=after[1],
                kept_side=staying.side,
                moved_side=moving.side,
                reason=decision.reason,
                moved=tuple(k[1] for k in ordered),
                renames=tuple(renames),
                migrate_target=target,
            )
        )

    def rename_members(
        self, label: str, members: Collection[Key], delta: int
    ) -> list[tuple[str, str]]:
        assert self.graph is not None
        folder = self.project.apps[label].path
        pending = {p for p in self.context.pending_files if p.startswith(folder + "/")}
        wanted = delta
        while delta and delta < wanted + 10_000:
            taken = sorted(
                name
                for name in (shift_name(k[1], delta) for k in members)
                if f"{folder}/{name}.py" in pending
            )
            if not taken:
                break
            if delta == wanted:
                self.notes.append(
                    f"{label}: numbers are shifted further than needed, since a commit this "
                    f"rebase has yet to replay adds {', '.join(taken)}"
                )
            delta += 1
        renames = []
        for key in graphs.order(members):
            new = shift_name(key[1], delta)
            if new == key[1]:
                continue
            path = self.graph.migrations[key].path
            folder = path.rsplit("/", 1)[0]
            self.names[key] = new
            self.renames[path] = f"{folder}/{new}.py"
            renames.append((key[1], new))
        return renames

    def rewire_roots(self, label: str, members: Collection[Key], after: Key) -> str:
        """Point the moving migrations that have no parent among them at ``after``.

        Returns the migration a database must roll back to so that none of the moving migrations
        stays applied (``zero`` when they start the app).
        """
        assert self.graph is not None
        parents: set[Key] = set()
        for key in graphs.order(members):
            migration = self.graph.migrations[key]
            internal = [
                (index, d)
                for index, d in enumerate(migration.decl.dependencies)
                if d[0] == label and not d[2] and d[1] not in SPECIAL_NAMES
            ]
            if any((label, d[1]) in members for _, d in internal):
                continue
            parents.update((label, d[1]) for _, d in internal)
            if internal:
                index = self._ref_index(migration, internal[0][1])
                if index is not None:
                    self.rewire[(migration.path, "dependencies", index)] = after
                continue
            self.inserts[migration.path] = after
        return self._rollback_target(parents)

    def _ref_index(self, migration: Migration, written: DepKey) -> int | None:
        for index, ref in enumerate(self.file(migration.path).dependencies):
            key = dep_key(ref)
            if not key[2] and (key[0], self.repaired.get(key[:2], key[1])) == written[:2]:
                return index
        return None

    def _rollback_target(self, parents: set[Key]) -> str:
        assert self.graph is not None
        if not parents:
            return "zero"
        for candidate in graphs.order(parents):
            lineage = {candidate} | self.graph.descendants(candidate)
            if all(p in lineage for p in parents):
                return candidate[1]
        return graphs.order(parents)[0][1]

    def merge_app(self, label: str, leaves: tuple[Key, ...]) -> None:
        assert self.graph is not None
        names = [k[1] for k in leaves]
        name = merge_name(names)
        folder = self.project.apps[label].path
        quote = quote_style(self.text(self.graph.migrations[leaves[0]].path) or "")
        self.creates.append(FileCreate(f"{folder}/{name}.py", merge_source(label, names, quote)))
        self.groups[label] = [
            (
                f"the branch of {k[1]}",
                graphs.order(graphs.exclusive(self.graph, label, k, [o for o in leaves if o != k])),
            )
            for k in leaves
        ]
        self.results.append(
            AppResolution(
                label=label,
                strategy=MERGE,
                leaves=tuple(names),
                head=name,
                reason="a merge migration depends on every leaf; nothing moves",
                created=name,
            )
        )

    def continue_app(self, label: str) -> None:
        """An app that an earlier step renamed: its later migrations keep the same shift."""
        assert self.graph is not None
        targets = [(label, new) for (app, _), new in self.repaired.items() if app == label]
        graph = self.graph
        after = max(targets, key=lambda k: graphs.number_after(graph, k))
        members = {
            key
            for target in targets
            for key in graph.descendants(target)
            if key[0] == label
            and key not in targets
            and not self.context.on_default(graph.migrations[key].path)
        }
        delta = graphs.shift_for(members, graphs.number_after(self.graph, after))
        renames = self.rename_members(label, members, delta)
        leaves = self.graph.leaves.get(label, ())
        head = leaves[0] if leaves else after
        earlier = graphs.order(k for k in self.repaired if k[0] == label)
        # A database that applied these migrations recorded their old names: it rolls back to
        # what the first of them followed, before the earlier rename.
        parents: set[Key] = set()
        first = self.context.old_sources.get(dangling_paths(self.project).get(earlier[0], ""))
        if first is not None:
            parents = {
                (label, d[1])
                for d in parse_migration("old.py", first).decl().dependencies
                if d[0] == label and not d[2] and d[1] not in SPECIAL_NAMES
            }
        self.results.append(
            AppResolution(
                label=label,
                strategy="repair",
                leaves=tuple(k[1] for k in leaves),
                head=self.names.get(head, head[1]),
                kept=after[1],
                reason="an earlier resolve renamed migrations these ones follow",
                moved=tuple(k[1] for k in [*earlier, *graphs.order(members)]),
                renames=tuple(renames),
                earlier=tuple((k[1], self.repaired[k]) for k in earlier),
                migrate_target=graphs.order(parents)[0][1] if parents else "zero",
            )
        )

    def squashed_away_dependencies(self) -> dict[str, dict[Key, list[tuple[int, Key, Key]]]]:
        """Per app, its migrations (not on the default branch) that depend on a migration of
        their own app whose file is gone and that exists only in a squash's ``replaces``: for
        each, (index of the reference, the gone migration, the squash)."""
        assert self.graph is not None
        graph = self.graph
        squash_of: dict[Key, Key] = {}
        for key, migration in graph.migrations.items():
            if key in graph.replaced_by:
                continue
            for replaced in migration.decl.replaces:
                if not replaced[2] and replaced[:2] not in graph.migrations:
                    squash_of[(replaced[0], replaced[1])] = key
        found: dict[str, dict[Key, list[tuple[int, Key, Key]]]] = {}
        if not squash_of:
            return found
        for key, migration in sorted(graph.migrations.items()):
            if key in graph.replaced_by or self.context.on_default(migration.path):
                continue
            for written in migration.decl.dependencies:
                gone = (written[0], written[1])
                if written[2] or gone[0] != key[0] or gone not in squash_of:
                    continue
                index = self._ref_index(migration, written)
                if index is not None:
                    found.setdefault(key[0], {}).setdefault(key, []).append(
                        (index, gone, squash_of[gone])
                    )
        return found

    def follow_squash(
        self, label: str, dependents: Mapping[Key, list[tuple[int, Key, Key]]]
    ) -> None:
        """Point dependencies on squashed-away migrations at their squash, and move the
        migrations that had them (and those after them) after the squash, as a renumber would."""
        assert self.graph is not None
        graph = self.graph
        squashes = {squash for refs in dependents.values() for _, _, squash in refs}
        after = max(squashes, key=lambda k: graphs.number_after(graph, k))
        members = set(dependents)
        for key in dependents:
            members |= {
                k
                for k in graph.descendants(key)
                if k[0] == label and not self.context.on_default(graph.migrations[k].path)
            }
        members -= graphs.lineage(graph, after)
        if not members:
            return
        ordered = graphs.order(members)
        leaf = ordered[-1]
        staying = classify(
            Branch(after, (after,), (graph.migrations[after].path,)),
            self.context,
            self.project.manifest,
            label,
        )
        moving = classify(
            Branch(leaf, tuple(ordered), tuple(graph.migrations[k].path for k in ordered)),
            self.context,
            self.project.manifest,
            label,
        )
        staying, moving = complete_sides(staying, moving)
        decision = decide(
            label,
            (staying, moving),
            self.context,
            self.move,
            {k: self.location(k) for k in (after, leaf)},
        )
        gone = graphs.order({g for refs in dependents.values() for _, g, _ in refs})
        names = ", ".join(k[1] for k in graphs.order(dependents))
        what = (
            f"{names} {'depends' if len(dependents) == 1 else 'depend'} on "
            f"{', '.join(k[1] for k in gone)}, which "
            f"{'exists' if len(gone) == 1 else 'exist'} only in the `replaces` of "
            f"{', '.join(k[1] for k in graphs.order(squashes))}"
        )
        if decision.moving != 1:
            self.notes.append(
                f"{label}: {what}; resolve leaves it as it is, since it cannot tell that "
                f"{names} is the side that moves (pass --move)"
            )
            return
        if decision.warning is not None:
            self.problems.append(decision.warning)
            self.waived.add(label)
        for key, refs in dependents.items():
            for index, _, squash in refs:
                self.rewire[(graph.migrations[key].path, "dependencies", index)] = squash
        delta = graphs.shift_for(members, graphs.number_after(graph, after))
        renames = self.rename_members(label, members, delta)
        self.groups[label] = [
            (staying.side or f"the branch of {after[1]}", [after]),
            (moving.side or f"the branch of {leaf[1]}", ordered),
        ]
        self.results.append(
            AppResolution(
                label=label,
                strategy=SQUASH,
                leaves=tuple(k[1] for k in graph.leaves.get(label, ())),
                head=self.names.get(leaf, leaf[1]),
                kept=after[1],
                kept_side=staying.side,
                moved_side=moving.side,
                reason=decision.reason,
                moved=tuple(k[1] for k in ordered),
                renames=tuple(renames),
                migrate_target=gone[0][1],
                detail=what,
            )
        )

    # --- 4. references ---------------------------------------------------------------------------

    def check_unreadable_references(self) -> None:
        """A reference the reader cannot evaluate may name a migration that is renamed: left as
        it is, it would dangle (Django's NodeNotFoundError). Refuse rather than guess."""
        renamed = sorted(k for k, new in self.names.items() if new != k[1])
        if not renamed:
            return
        shown = ", ".join(f"{app}.{name}" for app, name in renamed[:3])
        if len(renamed) > 3:
            shown += f" and {len(renamed) - 3} more"
        for problem in self.project.problems:
            if problem.code != codes.UNREADABLE_VALUE.code or problem.message.startswith(
                "Migration.initial"
            ):
                continue
            what = (
                problem.message.split(":", 1)[0]
                if problem.message.startswith("Migration.")
                else "the Migration class"
            )
            self.problems.append(
                codes.RESOLVE_NOT_LITERAL.problem(
                    problem.path,
                    problem.span,
                    f"{what} of {migration_name(problem.path)} cannot be read statically, so "
                    f"resolve cannot tell whether it names a migration that is renamed ({shown})",
                )
            )

    def reference_edits(self) -> list[TextEdit]:
        old = set(self.names)
        paths = {path for path, _, _ in self.rewire} | set(self.inserts)
        for path, decl in self.project.decls.items():
            if _mentions(decl, old):
                paths.add(path)
        for path in self.renames:
            paths.add(path)
        edits: list[TextEdit] = []
        for path in sorted(paths):
            file = self.file(path)
            text = self.text(path)
            needs_edit = path in self.inserts or any(
                (path, attr, index) in self.rewire
                or (not ref.setting and (ref.app, ref.name) in self.names)
                for attr, index, ref in all_refs(file)
            )
            if text is None or file.method is not ReadMethod.AST:
                self.problems.append(self.unparsable(path, text, needs_edit))
                continue
            for attr, index, ref in all_refs(file):
                target = self.rewire.get((path, attr, index))
                if target is not None:
                    new_name = target[1]
                elif not ref.setting and (ref.app, ref.name) in self.names:
                    new_name = self.names[(ref.app, ref.name)]
                else:
                    continue
                if new_name == ref.name:
                    continue
                edit = self.literal_edit(path, text, attr, ref, new_name)
                if edit is not None:
                    edits.append(edit)
                    self.references.append((path, edit.span.line, ref.name, new_name))
            if path in self.inserts:
                app, name = self.inserts[path]
                insertion = dependency_insertion(text, app, name)
                if insertion is None:
                    self.problems.append(
                        codes.RESOLVE_NOT_LITERAL.problem(
                            path,
                            file.class_span,
                            f"{migration_name(path)} must now depend on {app}.{name}, but its "
                            "Migration class has no dependencies list literal to add it to",
                        )
                    )
                else:
                    edits.append(TextEdit(path, insertion.span, insertion.text, ""))
                    self.references.append((path, insertion.span.line, "", name))
        return edits

    def unparsable(self, path: str, text: str | None, needs_edit: bool) -> Problem:
        verb = (
            "renamed and edited"
            if needs_edit and path in self.renames
            else ("edited" if needs_edit else "renamed")
        )
        reason = "it cannot be read"
        span = None
        if text is not None:
            try:
                parse_module(text, path)
            except SyntaxError as exc:
                reason = f"it does not parse on Python {sys.version_info.major}." + (
                    f"{sys.version_info.minor} ({exc.msg}, line {exc.lineno})"
                )
                if exc.lineno:
                    span = _point(exc.lineno, max((exc.offset or 1) - 1, 0))
            except ValueError as exc:
                reason = f"it does not parse ({exc})"
        return codes.RESOLVE_UNPARSABLE.problem(
            path,
            span,
            f"{migration_name(path)} must be {verb}, but {reason}; resolve only changes "
            "migrations it can parse",
        )

    def literal_edit(
        self, path: str, text: str, attr: str, ref: Ref, new_name: str
    ) -> TextEdit | None:
        written = span_text(text, ref.name_span) if ref.name_span is not None else None
        new_literal = (
            replacement_literal(written, ref.name, new_name) if written is not None else None
        )
        if ref.name_span is None or written is None or new_literal is None:
            self.problems.append(
                codes.RESOLVE_NOT_LITERAL.problem(
                    path,
                    ref.span,
                    f"this reference to {ref.app}.{ref.name} in {attr} must become "
                    f"{ref.app}.{new_name}, but it is not a plain string literal",
                )
            )
            return None
        return TextEdit(path, ref.name_span, new_literal, written)

    # --- 5. checks -------------------------------------------------------------------------------

    def check_targets(self) -> None:
        root = self.project.root
        sources = set(self.renames)
        seen: set[str] = set()
        for old, new in sorted(self.renames.items()):
            taken = new in seen or (
                new not in sources
                and (
                    os.path.lexists(os.path.join(root, new))
                    or new in self.project.overlays
                    or new in self.project.decls
                )
            )
            seen.add(new)
            if taken:
                self.problems.append(
                    codes.RESOLVE_TARGET_EXISTS.problem(
                        old,
                        self.file(old).class_span,
                        f"renaming {old} to {new.rsplit('/', 1)[-1]} would overwrite {new}, "
                        "which already exists",
                    )
                )
        for create in self.creates:
            if os.path.lexists(os.path.join(root, create.path)) or create.path in seen:
                self.problems.append(
                    codes.RESOLVE_TARGET_EXISTS.problem(
                        create.path,
                        None,
                        f"the merge migration {create.path} already exists",
                    )
                )

    def check_default_branch(self, edits: list[TextEdit]) -> None:
        touched = sorted({e.path for e in edits} | set(self.renames))
        for path in touched:
            migration = self.project.migration_at(path)
            if migration is not None and migration.app in self.waived:
                continue
            if self.context.on_default(path):
                self.problems.append(
                    codes.RESOLVE_UNSAFE.problem(
                        path,
                        None,
                        f"resolve would change {path}, which is on the default branch "
                        f"{self.context.default_branch}; migrations there never change",
                    )
                )

    def simulate(self, edits: list[TextEdit]) -> Graph | None:
        """The graph Django would load once the plan is applied, and whether it is sound."""
        assert self.graph is not None
        by_path: dict[str, list[TextEdit]] = {}
        for edit in edits:
            by_path.setdefault(edit.path, []).append(edit)
        migrations: list[Migration] = []
        for app in self.project.apps.values():
            for migration in app.migrations:
                path = migration.path
                new_path = self.renames.get(path, path)
                decl: Decl
                if path in by_path:
                    text = self.text(path)
                    assert text is not None
                    decl = parse_migration(new_path, apply_edits(text, by_path[path])).decl()
                elif new_path != path:
                    decl = migration.decl._replace(path=new_path, name=migration_name(new_path))
                else:
                    decl = migration.decl
                migrations.append(Migration(app.label, decl))
        for create in self.creates:
            label = next(
                a.label for a in self.project.apps.values() if create.path.startswith(a.path + "/")
            )
            migrations.append(Migration(label, parse_migration(create.path, create.content).decl()))
        after = build_graph(migrations, self.project.config.swappable)
        for problem in after.problems:
            if problem.code in _GRAPH_ERRORS:
                self.problems.append(
                    codes.RESOLVE_UNSAFE.problem(
                        problem.path,
                        problem.span,
                        f"after this plan, {problem.message}",
                    )
                )
        for result in self.results:
            leaves = after.leaves.get(result.label, ())
            if len(leaves) != 1:
                names = ", ".join(k[1] for k in leaves) or "none"
                self.problems.append(
                    codes.RESOLVE_UNSAFE.problem(
                        self.project.apps[result.label].path,
                        None,
                        f"after this plan, {result.label} would have {len(leaves)} leaf "
                        f"migrations ({names})",
                    )
                )
        expected = len(self.graph.migrations) + len(self.creates)
        if len(after.migrations) != expected:  # pragma: no cover - a bug, never a user error
            self.problems.append(
                codes.RESOLVE_UNSAFE.problem(
                    self.project.manifest.path,
                    None,
                    f"after this plan there would be {len(after.migrations)} migrations "
                    f"instead of {expected}",
                )
            )
        return after

    # --- 6. migrations.toml ---------------------------------------------------------------------

    def manifest_plan(self, after: Graph) -> tuple[TextEdit | FileCreate | None, list[str]]:
        manifest = self.project.manifest
        several = sorted(
            label for label in self.project.apps if len(after.leaves.get(label, ())) > 1
        )
        if several:
            self.notes.append(
                f"{manifest.path} is left as it is: {', '.join(several)} still "
                f"{'has' if len(several) == 1 else 'have'} several leaf migrations"
            )
            return None, []
        heads = {
            label: (after.leaves[label][0][1], app.path)
            for label, app in self.project.apps.items()
            if len(after.leaves.get(label, ())) == 1
        }
        content = render_manifest(heads)
        changes = _manifest_changes(manifest.entries, manifest.theirs, manifest.conflicted, heads)
        if not manifest.exists:
            return FileCreate(manifest.path, content), changes or ["created"]
        if manifest.text == content:
            return None, []
        edit = TextEdit(manifest.path, whole_text_span(manifest.text), content, manifest.text)
        return edit, changes or ["rewritten in the standard layout"]

    # --- warnings and commands --------------------------------------------------------------------

    def clash_warnings(self) -> None:
        assert self.graph is not None
        for label, groups in sorted(self.groups.items()):
            seen: dict[tuple[str, str], list[tuple[str, Key, Touch]]] = {}
            for group_name, members in groups:
                for key in members:
                    path = self.graph.migrations[key].path
                    for touch in touches(self.text(path) or ""):
                        seen.setdefault((touch.model, touch.field), []).append(
                            (group_name, key, touch)
                        )
            reported_models: set[str] = set()
            model_groups: dict[str, dict[str, tuple[Key, Touch]]] = {}
            for (model, field_name), found in sorted(seen.items()):
                by_group: dict[str, tuple[Key, Touch]] = {}
                for group_name, key, touch in found:
                    by_group.setdefault(group_name, (key, touch))
                for group_name, value in by_group.items():
                    model_groups.setdefault(model, {}).setdefault(group_name, value)
                if field_name and len(by_group) > 1:
                    reported_models.add(model)
                    self.problems.append(
                        self._clash(label, f"{label}.{model}.{field_name}", by_group)
                    )
            for model, by_group in sorted(model_groups.items()):
                if model not in reported_models and len(by_group) > 1:
                    self.problems.append(self._clash(label, f"the model {label}.{model}", by_group))

    def _clash(self, label: str, what: str, by_group: Mapping[str, tuple[Key, Touch]]) -> Problem:
        assert self.graph is not None
        rank = {name: index for index, (name, _) in enumerate(self.groups[label])}
        items = sorted(by_group.items(), key=lambda item: rank[item[0]])
        described = " and ".join(
            f"{touch.operation} in {key[1]} ({group})" for group, (key, touch) in items
        )
        last_key, last_touch = items[-1][1]
        related = tuple(
            Location(self.graph.migrations[key].path, touch.span) for _, (key, touch) in items[:-1]
        )
        return codes.RESOLVE_SAME_MODEL.problem(
            self.graph.migrations[last_key].path,
            last_touch.span,
            f"both branches change {what}: {described}",
            related=related,
        )

    def migrate_commands(self) -> list[str]:
        return [
            f"{self.migrate_command} migrate {r.label} {r.migrate_target}"
            for r in self.results
            if r.moved and r.migrate_target
        ]

    def check_applied(self) -> None:
        if self.applied is None:
            return
        assert self.graph is not None
        hit_any = False
        for result in self.results:
            hit = [n for n in result.moved if (result.label, n) in self.applied]
            if not hit:
                continue
            hit_any = True
            first = self.graph.migrations[(result.label, hit[0])]
            command = f"{self.migrate_command} migrate {result.label} {result.migrate_target}"
            back, again = self.context.rollback_steps
            self.problems.append(
                codes.RESOLVE_APPLIED.problem(
                    first.path,
                    first.decl.class_span,
                    f"the database applied {result.label} migrations that would move "
                    f"({', '.join(hit)}); roll them back where they still have these names: "
                    f"{back}, `{command}`, then {again}",
                    hint="Django refuses to migrate while an app has two leaves, so the rollback "
                    "happens before the merge or rebase; then resolve renames freely",
                )
            )
        if not hit_any:
            self.notes.append("the database applied none of the migrations that move")

    def ordered_renames(self) -> list[FileRename]:
        """Renames in an order where no target is still taken by a file yet to move."""
        pending = dict(self.renames)
        ordered: list[FileRename] = []
        while pending:
            ready = sorted(old for old, new in pending.items() if new not in pending)
            if not ready:  # pragma: no cover - shifts are never negative, so no cycles
                raise RuntimeError(f"renames form a cycle: {pending}")
            for old in reversed(ready):
                ordered.append(FileRename(old, pending.pop(old)))
        return ordered


def _skeleton(name: str) -> str:
    return re.sub(r"\d+", "#", name)


def _mentions(decl: Decl, keys: AbstractSet[Key]) -> bool:
    return any(
        not d[2] and (d[0], d[1]) in keys
        for d in (*decl.dependencies, *decl.replaces, *decl.run_before)
    )


def _point(line: int, column: int) -> Span:
    return Span(line, column, line, column)


def _line_span(entry: ManifestEntry) -> Span:
    line = entry.head_line or entry.line
    return Span(line, 0, line, 0)


def _manifest_changes(
    ours: Mapping[str, ManifestEntry],
    theirs: Mapping[str, ManifestEntry] | None,
    conflicted: bool,
    after: Mapping[str, tuple[str, str]],
) -> list[str]:
    changes = []
    for label in sorted(set(ours) | set(theirs or {}) | set(after)):
        mine = ours.get(label)
        other = (theirs or {}).get(label) if conflicted else None
        new = after.get(label)
        before = [e.head if e else "absent" for e in (mine, other) if e is not None]
        if conflicted and (mine is None) != (other is None):
            before = [mine.head if mine else "absent", other.head if other else "absent"]
        if new is None:
            if mine is not None or other is not None:
                changes.append(f"{label}: removed (no migrations on disk)")
            continue
        if mine is None and other is None:
            changes.append(f"{label}: added at {new[0]}")
            continue
        distinct = conflicted and (
            (mine.head if mine else None, mine.path if mine else None)
            != (other.head if other else None, other.path if other else None)
        )
        if distinct:
            changes.append(
                f"{label}: {' / '.join(str(h) for h in before)} (conflicted) -> {new[0]}"
            )
        elif mine is not None and (mine.head, mine.path) != new:
            if mine.head != new[0]:
                changes.append(f"{label}: {mine.head} -> {new[0]}")
            else:
                changes.append(f"{label}: path {mine.path} -> {new[1]}")
    return changes
