"""Which side of a conflicted app moves: the git facts (gathered once) and the rule (pure).

The rule, app by app, for the two sets of migrations that only one leaf descends from:

1. ``--move ours|theirs`` decides, with a warning if it moves migrations on the default branch;
2. migrations that exist on the default branch never move: the other set moves (both on it: the
   app cannot be renumbered, only merged). The default branch is judged by its remote-tracking
   branch when there is one (``origin/main`` rather than a local ``main`` with unpushed commits),
   unless ``--base`` names a ref explicitly;
3. otherwise the side being brought in moves: ``MERGE_HEAD`` in a merge, the commit being replayed
   in a rebase or cherry-pick, the second parent of a committed merge, files not yet committed;
4. otherwise (no git, or no way to tell) resolve asks for ``--move`` instead of guessing.

"ours" and "theirs" are git's: in a merge, ``ours`` is ``HEAD`` and the first side of the conflict
markers; in a rebase ``HEAD`` is the upstream, so ``ours`` is the upstream and ``theirs`` is your
commit being replayed (as in ``git checkout --theirs``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from manifest_core import codes, gitinfo
from manifest_core.manifest import Manifest
from manifest_core.model import Key, Location, Problem
from manifest_core.project import Project

SPECIAL_NAMES = frozenset({"__first__", "__latest__"})


class ContextError(Exception):
    """A usage mistake found while asking git (an unknown ``--base``): exit code 2."""


@dataclass(frozen=True)
class SideContext:
    """What git says about the work tree: the operation, each side's files, the default branch.

    Paths are relative to the project root. ``None`` means unknown (not a git repository, or no
    such commit). The language server or the Django integration may build one by hand.
    """

    is_git: bool = False
    #: ``merge``, ``rebase``, ``cherry-pick``, ``merge-commit`` or ``none``
    kind: str = "none"
    ours_name: str = "ours"
    theirs_name: str = "theirs"
    ours_files: frozenset[str] | None = None
    theirs_files: frozenset[str] | None = None
    #: With no operation in progress: ``HEAD``'s files (a file not in it is being brought in).
    head_files: frozenset[str] | None = None
    default_branch: str | None = None
    default_files: frozenset[str] | None = None
    #: Old contents of migrations that references (or migrations.toml's heads) name but that no
    #: longer exist (renamed by an earlier step of the same rebase, or by an earlier resolve of
    #: one app), by path, from the commits involved.
    old_sources: Mapping[str, str] = field(default_factory=dict)
    #: For each of ``old_sources``, the files of its folder in the commit it was read from: a
    #: file already there is not what the missing migration was renamed to.
    old_siblings: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: Paths git tracks; only these are staged after applying (new untracked files stay so).
    tracked: frozenset[str] = frozenset()
    #: In a rebase, files the commits still to replay will add: renames must not take their
    #: names, or git stops on them later.
    pending_files: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()

    def side_of(self, path: str) -> str | None:
        """``"ours"``, ``"theirs"`` or ``None`` (common to both, or unknown) for one file."""
        if self.ours_files is not None and self.theirs_files is not None:
            in_ours, in_theirs = path in self.ours_files, path in self.theirs_files
            if in_ours != in_theirs:
                return "ours" if in_ours else "theirs"
            return None
        if self.head_files is not None and path not in self.head_files:
            return "theirs"
        return None

    def on_default(self, path: str) -> bool | None:
        if self.default_files is None:
            return None
        return path in self.default_files

    @property
    def operation_text(self) -> str:
        return {
            "merge": f"a merge in progress: {self.theirs_name} (theirs) into "
            f"{self.ours_name} (ours)",
            "rebase": f"a rebase in progress: {self.theirs_name} (theirs) replayed onto "
            f"{self.ours_name} (ours)",
            "cherry-pick": f"a cherry-pick in progress: {self.theirs_name} (theirs) onto "
            f"{self.ours_name} (ours)",
            "merge-commit": f"the merge commit HEAD: {self.theirs_name} (theirs) into "
            f"{self.ours_name} (ours)",
        }.get(
            self.kind, "no merge or rebase in progress" if self.is_git else "not a git repository"
        )

    @property
    def rollback_steps(self) -> tuple[str, str]:
        """How to get back to where the moving migrations have their old names and one leaf
        (Django's ``migrate`` refuses while an app has two), and how to come back."""
        return {
            "merge": ("`git merge --abort`", "merge again"),
            "rebase": ("`git rebase --abort`", "rebase again"),
            "cherry-pick": ("`git cherry-pick --abort`", "pick again"),
        }.get(self.kind, ("check out the commit that has them under these names", "come back"))

    @property
    def next_step(self) -> str:
        return {
            "merge": "`git commit` to conclude the merge",
            "rebase": "`git rebase --continue`",
            "cherry-pick": "`git cherry-pick --continue`",
        }.get(self.kind, "`git commit`")


def gather_context(
    root: str,
    project: Project,
    *,
    base: str | None = None,
    configured: str | None = None,
) -> SideContext:
    """Ask git about the work tree at ``root`` (read-only). Raises :class:`ContextError`."""
    if gitinfo.toplevel(root) is None:
        if base:
            raise ContextError(f"--base {base}: {root} is not a git repository")
        return SideContext(is_git=False)
    notes: list[str] = []
    state = gitinfo.operation(root)
    head = state.ours or gitinfo.resolve_ref(root, "HEAD")
    if state.kind == "none" and project.graph.conflicts:
        state = gitinfo.committed_merge(root) or state
    if base and gitinfo.resolve_ref(root, base) is None:
        raise ContextError(f"--base {base}: no such branch or commit")
    # What is on the default branch is what was pushed: a local ``main`` may hold unpushed
    # commits (``git pull`` on main), whose migrations are the ones that should move.
    default = gitinfo.default_branch(root, override=base, configured=configured, pushed=True)
    if default is None and configured and not base:
        notes.append(f"the default branch {configured!r} set in pyproject.toml does not exist here")
    default_files: frozenset[str] | None = None
    if default is not None:
        default_commit = gitinfo.resolve_ref(root, default)
        if state.kind == "merge-commit" and default_commit == head and state.ours:
            # The merge is the default branch's own tip: judge by what it held before the merge.
            default_files = frozenset(gitinfo.files_at(root, state.ours))
        else:
            default_files = frozenset(gitinfo.files_at(root, default))
    ours_files = theirs_files = head_files = None
    pending: frozenset[str] = frozenset()
    ours_name, theirs_name = "ours", "theirs"
    if state.kind != "none" and state.ours and state.theirs:
        ours_files = frozenset(gitinfo.files_at(root, state.ours))
        theirs_files = frozenset(gitinfo.files_at(root, state.theirs))
        ours_name, theirs_name = _names(root, state)
        if state.kind == "rebase" and state.orig_head:
            later = gitinfo.files_at(root, state.orig_head)
            pending = frozenset(later - ours_files - theirs_files)
    elif head:
        head_files = frozenset(gitinfo.files_at(root, head))
        ours_name = gitinfo.current_branch(root) or "HEAD"
        theirs_name = "files not committed yet"
    old_sources, old_siblings = _old_sources(root, project, state, head)
    return SideContext(
        is_git=True,
        kind=state.kind if state.theirs else "none",
        ours_name=ours_name,
        theirs_name=theirs_name,
        ours_files=ours_files,
        theirs_files=theirs_files,
        head_files=head_files,
        default_branch=default,
        default_files=default_files,
        old_sources=old_sources,
        old_siblings=old_siblings,
        tracked=frozenset(gitinfo.tracked_files(root)),
        pending_files=pending,
        notes=tuple(notes),
    )


def _names(root: str, state: gitinfo.Operation) -> tuple[str, str]:
    assert state.ours is not None
    assert state.theirs is not None
    if state.kind == "rebase":
        onto = gitinfo.describe(root, state.onto) if state.onto else "upstream"
        branch = (state.branch or "").removeprefix("refs/heads/") or "your branch"
        short = gitinfo.describe(root, state.theirs)
        return onto, f"{branch} (commit {short})" if short != branch else branch
    if state.kind == "cherry-pick":
        return gitinfo.current_branch(
            root
        ) or "HEAD", f"commit {gitinfo.describe(root, state.theirs)}"
    ours = gitinfo.describe(root, state.ours)
    if state.kind == "merge":
        ours = gitinfo.current_branch(root) or ours
    return ours, gitinfo.describe(root, state.theirs)


def dangling_paths(project: Project) -> dict[Key, str]:
    """References to migrations of the repository's apps that exist nowhere, with the path the
    missing migration would have: ``{(app, name): "app/migrations/name.py"}``."""
    found: dict[Key, str] = {}
    for app in project.apps.values():
        for migration in app.migrations:
            decl = migration.decl
            for dep in (*decl.dependencies, *decl.replaces, *decl.run_before):
                key = (dep[0], dep[1])
                if dep[2] or key[1] in SPECIAL_NAMES or key[0] not in project.apps:
                    continue
                if key not in project.graph.migrations:
                    found[key] = f"{project.apps[key[0]].path}/{key[1]}.py"
    return found


def missing_heads(project: Project) -> dict[Key, str]:
    """Heads a conflicted migrations.toml records (on either side) for an app of the repository
    that has no migration of that name, with the path it would have. An earlier resolve of one
    app (``--app``) renames a head while the file stays conflicted for the others."""
    manifest = project.manifest
    if not manifest.conflicted:
        return {}
    found: dict[Key, str] = {}
    for side in (manifest.entries, manifest.theirs or {}):
        for label, entry in side.items():
            app = project.apps.get(label)
            if app is None or entry.head is None:
                continue
            if (label, entry.head) not in project.graph.migrations:
                found[(label, entry.head)] = f"{app.path}/{entry.head}.py"
    return found


def _old_sources(
    root: str, project: Project, state: gitinfo.Operation, head: str | None
) -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    wanted = {**dangling_paths(project), **missing_heads(project)}
    if not wanted:
        return {}, {}
    refs = [state.theirs, *(gitinfo.parents(root, state.theirs)[:1] if state.theirs else [])]
    refs += ["ORIG_HEAD", state.ours, head]
    sources: dict[str, str] = {}
    siblings: dict[str, frozenset[str]] = {}
    for path in sorted(set(wanted.values())):
        for ref in refs:
            if not ref:
                continue
            text = gitinfo.show_file(root, ref, "./" + path)
            if text is not None:
                sources[path] = text
                folder = path.rsplit("/", 1)[0]
                siblings[path] = frozenset(gitinfo.files_at(root, ref, folder))
                break
    return sources, siblings


# --- the rule ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Branch:
    """One leaf of a conflicted app and the migrations only it descends from."""

    leaf: Key
    members: tuple[Key, ...]  #: in order, leaf last
    paths: tuple[str, ...]
    side: str | None = None  #: "ours" / "theirs"
    side_from: str = ""  #: "git" or "manifest"
    on_default: bool | None = None

    def names(self) -> str:
        return ", ".join(k[1] for k in self.members)


@dataclass(frozen=True)
class Decision:
    moving: int | None  #: index of the branch that moves, or None (refused)
    reason: str = ""
    problem: Problem | None = None
    warning: Problem | None = None


def classify(branch: Branch, context: SideContext, manifest: Manifest, label: str) -> Branch:
    """``branch`` with its side (from git, else from migrations.toml) and default-branch flag."""
    sides = {context.side_of(p) for p in branch.paths} - {None}
    side: str | None = None
    side_from = ""
    if len(sides) == 1:
        side, side_from = sides.pop(), "git"
    elif len(sides) > 1:
        side, side_from = "mixed", "git"
    if side is None:
        names = {k[1] for k in branch.members}
        ours = manifest.entries.get(label)
        theirs = (manifest.theirs or {}).get(label) if manifest.conflicted else None
        if ours is not None and ours.head in names and not (theirs and theirs.head in names):
            side, side_from = "ours", "manifest"
        elif theirs is not None and theirs.head in names:
            side, side_from = "theirs", "manifest"
    flags = [context.on_default(p) for p in branch.paths]
    on_default = None if any(f is None for f in flags) else any(flags)
    return Branch(branch.leaf, branch.members, branch.paths, side, side_from, on_default)


def complete_sides(a: Branch, b: Branch) -> tuple[Branch, Branch]:
    """When one side is known and the other is not, the other is the opposite one."""
    opposite = {"ours": "theirs", "theirs": "ours"}

    def with_side(branch: Branch, side: str, source: str) -> Branch:
        return Branch(branch.leaf, branch.members, branch.paths, side, source, branch.on_default)

    if a.side in opposite and b.side is None:
        b = with_side(b, opposite[a.side], a.side_from)
    elif b.side in opposite and a.side is None:
        a = with_side(a, opposite[b.side], b.side_from)
    return a, b


def decide(
    label: str,
    branches: tuple[Branch, Branch],
    context: SideContext,
    move: str | None,
    locations: Mapping[Key, Location],
) -> Decision:
    """Which of the two branches moves (see the module docstring)."""
    a, b = branches
    where = locations[a.leaf]
    related = (locations[b.leaf],)
    known = a.side in ("ours", "theirs") and b.side in ("ours", "theirs") and a.side != b.side

    def refuse(code: codes.Code, message: str, hint: str | None = None) -> Decision:
        return Decision(
            None, problem=code.problem(where.path, where.span, message, hint=hint, related=related)
        )

    if move is not None:
        if not known:
            return refuse(codes.RESOLVE_SIDE_UNKNOWN, *_unknown_sides(label, a, b, context))
        index = 0 if a.side == move else 1
        chosen = branches[index]
        warning = None
        if chosen.on_default:
            loc = locations[chosen.leaf]
            warning = codes.RESOLVE_MOVES_DEFAULT.problem(
                loc.path,
                loc.span,
                f"--move {move} renames {label} migrations that are on the default branch "
                f"{context.default_branch}: {chosen.names()}",
            )
        return Decision(index, f"you chose --move {move}", warning=warning)
    if a.on_default and b.on_default:
        return refuse(
            codes.RESOLVE_BOTH_ON_DEFAULT,
            f"both of {label}'s leaves are on the default branch {context.default_branch} "
            f"({a.leaf[1]} and {b.leaf[1]}): renumbering would rename deployed migrations",
        )
    for index, branch in enumerate(branches):
        if branch.on_default:
            return Decision(
                1 - index, f"{branch.leaf[1]} is on the default branch {context.default_branch}"
            )
    if known and (a.side_from == "git" or b.side_from == "git"):
        index = 0 if a.side == "theirs" else 1
        what = {
            "merge": "is being merged in",
            "rebase": "is the commit being replayed",
            "cherry-pick": "is the commit being picked",
            "merge-commit": "is the branch the merge commit brought in",
        }.get(context.kind, "is not committed yet")
        default = f" {context.default_branch}" if context.default_branch else ""
        return Decision(
            index,
            f"neither side is on the default branch{default}, and theirs "
            f"({context.theirs_name}) {what}",
        )
    return refuse(codes.RESOLVE_SIDE_UNKNOWN, *_unknown_sides(label, a, b, context))


def _unknown_sides(
    label: str, a: Branch, b: Branch, context: SideContext
) -> tuple[str, str | None]:
    """The message, and a hint when the default one (pass --move) would not help."""
    merge_hint = "or use `--strategy merge`, which moves nothing"
    if "mixed" in (a.side, b.side):
        return (
            f"{label}'s leaves {a.leaf[1]} and {b.leaf[1]} each descend from migrations of both "
            "sides: they are not two branches one of which can move after the other",
            f"resolve this app by hand, {merge_hint}",
        )
    known = a.side in ("ours", "theirs") and b.side in ("ours", "theirs") and a.side != b.side
    hint = None
    if known:
        ours, theirs = (a, b) if a.side == "ours" else (b, a)
        choices = (
            f"pass --move theirs to move {theirs.names()}, or --move ours to move {ours.names()}"
        )
    else:
        choices = (
            f"record the head that stays in migrations.toml ([apps.{label}] head), or use "
            "--strategy merge"
        )
        hint = (
            "run resolve during the merge or rebase, where git tells the two sides apart, "
            + merge_hint
        )
    if not context.is_git:
        return (
            f"not a git repository, so resolve cannot tell which of {label}'s migrations are on "
            f"the default branch; {choices}",
            hint,
        )
    default = context.default_branch or "(none found)"
    return (
        f"cannot tell which of {label}'s leaves moves: neither {a.leaf[1]} nor {b.leaf[1]} is on "
        f"the default branch {default}, and git does not say which side brought it in; {choices}",
        hint,
    )
