"""One project (a repository root) as the server keeps it: the core's index, lint sessions and
what the editor has open.

Every method of :class:`ProjectState` runs on the project's own worker thread (a one-thread
executor), so the :class:`~manifest_core.index.WorkspaceIndex` and the
:class:`~manifest_core.lint.LintSession` objects, which are not thread-safe, are only ever
touched by one thread, in the order the server submitted the work. The event loop only submits
work and sends what comes back.

Everything here is a query to :mod:`manifest_core`: problems come from
:meth:`WorkspaceIndex.problems_for` and :meth:`WorkspaceIndex.check`, findings from
:meth:`LintSession.lint_text`, plans from ``plan_resolution`` and ``plan_update``.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import os
import time
from collections.abc import Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from manifest_core import codes, gitinfo
from manifest_core.config import PYPROJECT, Config, ConfigError, load_config
from manifest_core.graph import Graph
from manifest_core.index import Change, WorkspaceIndex
from manifest_core.lint import FileResult, Finding, LintSession, LintSettings
from manifest_core.lint.runner import new_migrations
from manifest_core.lint.settings import load_lint_settings
from manifest_core.model import Key, Location, Problem, Severity, Span
from manifest_core.project import Project
from manifest_core.text import DecodeError, decode_source

from .settings import LintOptions, Settings

logger = logging.getLogger(__name__)

#: Reading problems that make the linter's "does not parse" note redundant.
_UNREADABLE = frozenset(
    {
        codes.SYNTAX_ERROR.code,
        codes.MIGRATION_CONFLICT_MARKERS.code,
        codes.UNDECODABLE_FILE.code,
        codes.UNREADABLE_FILE.code,
    }
)
_UNPARSABLE_NOTE = "ML901"


@dataclass(frozen=True)
class FileReport:
    """What one file shows: the core's problems and the linter's findings located in it."""

    path: str
    problems: tuple[Problem, ...] = ()
    findings: tuple[Finding, ...] = ()
    #: The text positions are read against: the open buffer, else the file on disk.
    text: str | None = None
    #: The version of the open buffer ``text`` is, ``None`` for a file that is not open.
    version: int | None = None

    @property
    def empty(self) -> bool:
        return not (self.problems or self.findings)


@dataclass
class LoadResult:
    seconds: float = 0.0
    apps: int = 0
    migrations: int = 0
    error: str | None = None


@dataclass
class _Open:
    """An open document, as the worker knows it."""

    text: str
    version: int | None
    #: The file was deleted (or renamed away) on disk while open: the buffer is not part of
    #: the project until it is saved again.
    detached: bool = False
    #: Too large to parse: the file on disk is indexed, the buffer is ignored.
    large: bool = False


def lint_settings_for(root: str, config: Config, options: LintOptions) -> LintSettings:
    """``[tool.django-migration-manifest.lint]`` with the editor's selection on top.

    Raises :class:`ConfigError` for a mistake in ``pyproject.toml``.
    """
    base = load_lint_settings(root, config.extra.get("lint"))
    settings = base.selecting(options.select, options.ignore)
    if options.severities:
        settings = dataclasses.replace(
            settings, severities=(*options.severities, *settings.severities)
        )
    return settings


@dataclass
class ProjectState:
    root: str
    settings: Settings
    #: Why the project cannot be indexed (a configuration error...), if it cannot.
    error: str | None = None
    config_error: ConfigError | None = None
    index: WorkspaceIndex | None = None
    ready: bool = False
    #: Bumped on every change to the index: code action plans are only valid for one.
    generation: int = 0
    lint_settings: LintSettings = field(default_factory=LintSettings)
    #: The default branch and the files on it, when git knows them (which tables are new).
    baseline: str | None = None
    baseline_files: frozenset[str] | None = None
    open: dict[str, _Open] = field(default_factory=dict)
    #: Paths whose last report was not empty (to clear them once they are clean).
    reported: set[str] = field(default_factory=set)
    executor: ThreadPoolExecutor = field(init=False)
    plans_executor: ThreadPoolExecutor = field(init=False)
    _sessions: dict[str, LintSession] = field(default_factory=dict)
    _check: list[Problem] | None = None
    _derived: dict[str, list[Problem]] | None = None
    #: Cycles through several components (found after saves, off the editing path).
    _cycles: list[Problem] = field(default_factory=list)
    _structural: bool = False
    #: Things the user should hear about, collected on the worker, logged by the server.
    events: list[str] = field(default_factory=list)
    _dir_stats: dict[str, int] = field(default_factory=dict)
    _file_stats: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        name = os.path.basename(self.root.rstrip(os.sep)) or "root"
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"mm-index-{name}")
        #: Where resolutions are planned, from snapshots (see lsp_server.actions.plan).
        self.plans_executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"mm-plans-{name}"
        )

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.plans_executor.shutdown(wait=False, cancel_futures=True)

    # -- loading -----------------------------------------------------------------------------
    @property
    def manifest_path(self) -> str:
        return self.index.config.manifest if self.index is not None else "migrations.toml"

    def load(self) -> LoadResult:
        """(Re)index the whole project: configuration, every migration, the manifest."""
        started = time.perf_counter()
        self.ready = False
        self.error = None
        self.config_error = None
        self._sessions.clear()
        self._invalidate(structural=True)
        if not os.path.isdir(self.root):
            self.error = f"{self.root} is not a folder"
            self.index = None
            self.ready = True
            return LoadResult(error=self.error)
        try:
            config = load_config(self.root)
        except ConfigError as exc:
            self.config_error = exc
            self.error = f"{PYPROJECT}: {exc}"
            self.index = None
            self.ready = True
            return LoadResult(error=self.error)
        gc.unfreeze()  # what an earlier index left can be collected again
        index = WorkspaceIndex(self.root, config)
        for path, document in self.open.items():
            if self._overlaid(path, document):
                index.overlays[path] = document.text
        # The scan's starting point is taken at indexing (not at the first poll), from stats
        # older than the reads: a change after that is seen by the first scan.
        since = time.time_ns() - _CLOCK_SLACK_NS
        index.load()
        self.index = index
        self._record_stats(since)
        self._configure_lint()
        self._read_baseline(config)
        self.check()
        # The index lives as long as the server: keep the collector from walking its millions
        # of objects again and again (pauses that would land on edits).
        gc.collect()
        gc.freeze()
        self.ready = True
        migrations = sum(len(app.migrations) for app in index.apps.values())
        return LoadResult(time.perf_counter() - started, len(index.apps), migrations)

    def _overlaid(self, path: str, document: _Open) -> bool:
        return not (document.detached or document.large) and self._tracked(path)

    def _tracked(self, path: str) -> bool:
        """Whether an open buffer at ``path`` belongs in the index: a migration module (of a
        known app, or in a folder named ``migrations``) or the manifest."""
        if path == self.manifest_path:
            return True
        folder, _, name = path.rpartition("/")
        if not name.endswith(".py") or name[0] in "_~" or "." in name[:-3]:
            return False
        if self.index is not None and self.index.app_of(path) is not None:
            return True
        return folder.rsplit("/", 1)[-1] == "migrations"

    def _configure_lint(self) -> None:
        assert self.index is not None
        self._sessions.clear()
        try:
            self.lint_settings = lint_settings_for(self.root, self.index.config, self.settings.lint)
        except ConfigError as exc:
            self.config_error = exc
            self.lint_settings = LintSettings()

    def _read_baseline(self, config: Config) -> None:
        """Which migrations are on the default branch (the linter's "new tables")."""
        self.baseline = self.baseline_files = None
        try:
            if gitinfo.toplevel(self.root) is None:
                return
            # as `lint` judges it: what was pushed, so the editor and CI agree on what is new
            baseline = gitinfo.default_branch(
                self.root, configured=config.default_branch, pushed=True
            )
            if baseline is not None:
                self.baseline = baseline
                self.baseline_files = frozenset(gitinfo.files_at(self.root, baseline))
        except OSError as exc:  # git missing or failing: lint without the branch's facts
            logger.info("git is not available (%s): every table counts as existing", exc)

    def apply_settings(self, settings: Settings) -> bool:
        """New editor settings; ``True`` when the diagnostics must be recomputed."""
        changed = settings.lint != self.settings.lint or settings.max_file_size != (
            self.settings.max_file_size
        )
        self.settings = settings
        if changed and self.index is not None:
            self._configure_lint()
            self.generation += 1
        return changed

    # -- changes -------------------------------------------------------------------------------
    def _invalidate(self, *, structural: bool) -> None:
        self.generation += 1
        self._check = None
        self._derived = None
        if structural:
            self._structural = True

    def _note(self, change: Change) -> Change:
        if change.apps or change.manifest or change.reloaded:
            self._invalidate(structural=True)
        else:
            self.generation += 1
        if change.reloaded:
            self._sessions.clear()
        return change

    def set_text(self, path: str, text: str | None, version: int | None = None) -> Change:
        """An open buffer's new text (``None``: closed)."""
        if text is None:
            document = self.open.pop(path, None)
            if document is None or self.index is None or not self._overlaid(path, document):
                return Change()
            return self._overlay(path, None)
        document = self.open.get(path)
        large = len(text) > self.settings.max_file_size
        if document is None:
            document = self.open[path] = _Open(text, version, large=large)
        else:
            was_overlaid = self._overlaid(path, document)
            document.text, document.version, document.large = text, version, large
            if large and was_overlaid and self.index is not None:
                return self._overlay(path, None)
        if self.index is None or not self._overlaid(path, document):
            return Change()
        return self._overlay(path, text)

    def _overlay(self, path: str, text: str | None) -> Change:
        assert self.index is not None
        had_children = self._has_children(path)
        change = self.index.set_overlay(path, text)
        # The replayed states depend on this file only if another migration comes after it:
        # typing in an app's newest migration keeps them (each keystroke lints one buffer).
        forget = had_children or self._has_children(path)
        for session in set(self._sessions.values()):
            if text is None:
                session.overlays.pop(path, None)
            else:
                session.overlays[path] = text
            if forget:
                session.forget(path)
        return self._note(change)

    def affects_others(self, path: str) -> bool:
        """Whether editing ``path`` can change what other files show: another migration comes
        after it (its linting replays this one), or it is not a plain migration at all."""
        return self.index is not None and self._has_children(path)

    def watch_globs(self) -> list[str]:
        """Glob patterns beyond the usual ones: a manifest with another name, migration folders
        not named ``migrations`` (``MIGRATION_MODULES`` layouts)."""
        index = self.index
        if index is None:
            return []
        globs = []
        if index.manifest.path != "migrations.toml":
            globs.append(index.manifest.path)
        for app in index.apps.values():
            if app.path.rsplit("/", 1)[-1] != "migrations":
                globs.append(f"{app.path}/*.py")
        return sorted(globs)

    def _has_children(self, path: str) -> bool:
        """Whether any migration depends on the one in ``path`` (or it is not in a graph)."""
        index = self.index
        assert index is not None
        label = index.app_of(path)
        decl = index.decls.get(path)
        if label is None or decl is None or label not in index.apps:
            return True
        graph = index.graph(label)
        key = (label, decl.name)
        if key not in graph.migrations:
            return True
        return bool(graph.children.get(key)) or key in graph.replaced_by

    def refresh(self, paths: Collection[str], deleted: Collection[str] = ()) -> Change:
        """Files created, changed or deleted on disk (watched files, saves, scans)."""
        if self.index is None:  # not indexed (a configuration error): try again on its fix
            if PYPROJECT in paths or PYPROJECT in deleted:
                return self._reloaded()
            return Change()
        gone = set(deleted)
        change = Change()
        for path in dict.fromkeys([*paths, *gone]):
            if path == PYPROJECT:
                return self._reload_if_configuration_changed() | change
            document = self.open.get(path)
            if document is not None and path != self.manifest_path:
                exists = os.path.isfile(os.path.join(self.root, path))
                if path in gone or not exists:
                    if not document.detached:
                        document.detached = True
                        self.events.append(
                            f"{path} was deleted on disk: its open buffer is left out of the "
                            "project until it is saved again"
                        )
                        change |= self._overlay(path, None)
                    continue
                if document.detached:  # saved again (or recreated): the buffer is back
                    document.detached = False
                    if self._overlaid(path, document):
                        change |= self._overlay(path, document.text)
                        continue
            change |= self._note(self.index.refresh(path))
            for session in set(self._sessions.values()):
                session.forget(path)
        return change

    def _reload_if_configuration_changed(self) -> Change:
        assert self.index is not None
        try:
            config = load_config(self.root)
        except ConfigError:
            config = None
        if config == self.index.config and self.config_error is None:
            return Change()
        return self._reloaded()

    def _reloaded(self) -> Change:
        self.load()
        index = self.index
        labels: frozenset[str] = frozenset(index.apps) if index is not None else frozenset()
        return Change(apps=labels, manifest=True, reloaded=True)

    # -- problems ----------------------------------------------------------------------------------
    def check(self) -> list[Problem]:
        """Everything ``check`` reports (cached until the index changes)."""
        if self.index is None:
            return []
        if self._check is None:
            self._check = self.index.check()
        return self._check

    def derived(self) -> dict[str, list[Problem]]:
        """Per migration file, "newer than the head migrations.toml records": every migration
        of an app that descends from the head its manifest entry names, when ``check`` reports
        that entry stale (MM007)."""
        if self._derived is not None:
            return self._derived
        found: dict[str, list[Problem]] = {}
        index = self.index
        if index is None:
            return found
        for problem in self.check():
            if problem.code != codes.STALE_HEAD.code or not problem.related:
                continue
            label = index.app_of(problem.related[0].path)
            entry = index.manifest.entries.get(label or "")
            if label is None or entry is None or entry.head is None:
                continue
            graph = index.graph(label)
            recorded: Key = (label, entry.head)
            if recorded not in graph.nodes:
                continue
            where = Location(index.manifest.path, problem.span)
            for key in sorted(graph.descendants(recorded)):
                migration = graph.migrations.get(key)
                if key[0] != label or migration is None:
                    continue
                found.setdefault(migration.path, []).append(
                    codes.STALE_HEAD.problem(
                        migration.path,
                        migration.decl.class_span,
                        f"{label}.{key[1]} is newer than the head {index.manifest.path} "
                        f"records for {label} ({entry.head}): the manifest is out of date",
                        related=(where,),
                        severity=Severity.WARNING,
                    )
                )
        self._derived = found
        return found

    def config_problem(self) -> Problem | None:
        """A mistake in ``pyproject.toml``, as a problem on its line."""
        error = self.config_error
        if error is None:
            return None
        return Problem(
            code="config",
            name="configuration-error",
            severity=Severity.ERROR,
            message=error.message,
            path=error.path,
            span=Span.point(error.line) if error.line else None,
            hint="the language server uses the defaults until this is fixed",
        )

    def problem_paths(self) -> set[str]:
        paths = {p.path for p in self.check()}
        config = self.config_problem()
        if config is not None:
            paths.add(config.path)
        paths.update(self.derived())
        paths.update(p.path for p in self._cycles)
        for problem in self.check():
            if problem.code == codes.MULTIPLE_LEAVES.code:
                paths.update(location.path for location in problem.related)
        return paths

    def problems(self, path: str) -> list[Problem]:
        """Every core problem located in ``path``."""
        config = self.config_problem()
        if config is not None and config.path == path:
            return [config]
        index = self.index
        if index is None:
            return []
        if path == index.manifest.path:
            return [p for p in self.check() if p.path == path]
        found: list[Problem] = []
        for problem in index.problems_for(path):
            if problem.code == codes.MULTIPLE_LEAVES.code:
                decl = index.decls.get(path)
                problem = relocated_leaves(problem, path, decl.class_span if decl else None)
            found.append(problem)
        found.extend(self.derived().get(path, ()))
        known = {(p.code, p.span, p.message) for p in found}
        found.extend(
            p for p in self._cycles if p.path == path and (p.code, p.span, p.message) not in known
        )
        return found

    # -- linting -------------------------------------------------------------------------------
    def session(self, label: str) -> LintSession:
        """The lint session of the component holding ``label``, rebuilt when its graph is."""
        index = self.index
        assert index is not None
        graph = index.graph(label)
        session = self._sessions.get(label)
        if session is not None and session.project.graph is graph:
            return session
        labels = sorted({key[0] for key in graph.migrations} & set(index.apps) | {label})
        project = Project(
            root=index.root,
            config=index.config,
            manifest=index.manifest,
            apps={name: index.apps[name] for name in labels},
            graph=graph,
            problems=(),
            overlays=dict(index.overlays),
        )
        new: Iterable[Key] = ()
        if self.baseline is not None and self.baseline_files is not None:
            new = new_migrations(project, self.baseline, self.baseline_files)
        if session is not None and session.settings is self.lint_settings:
            # the same files under a new graph: keep what was parsed
            session = session.rebased(project, new_migrations=new)
        else:
            session = LintSession(project, self.lint_settings, new_migrations=new)
        for name in labels:
            self._sessions[name] = session
        return session

    def lint(self, path: str) -> FileResult | None:
        """Lint an open migration buffer, or ``None`` when it is not linted."""
        index = self.index
        document = self.open.get(path)
        if index is None or document is None or document.detached or document.large:
            return None
        if not self.settings.lint.enabled or path == index.manifest.path:
            return None
        label = index.app_of(path)
        if label is None or label not in index.apps:
            return None
        return self.session(label).lint_text(path, document.text, app=label)

    # -- reports -------------------------------------------------------------------------------
    def text_of(self, path: str) -> str | None:
        """An open buffer's text, else the file's text on disk (``None`` if unreadable)."""
        document = self.open.get(path)
        if document is not None:
            return document.text
        try:
            with open(os.path.join(self.root, path), "rb") as handle:
                data = handle.read(self.settings.max_file_size + 1)
        except OSError:
            return None
        try:
            return decode_source(data)
        except DecodeError:
            return data.decode("utf-8", "replace")

    def report(self, path: str) -> FileReport:
        document = self.open.get(path)
        version = document.version if document is not None else None
        if document is not None and document.detached:
            return FileReport(path, version=version)
        problems = self.problems(path)
        findings: tuple[Finding, ...] = ()
        result = self.lint(path)
        if result is not None:
            findings = result.findings
            if any(p.code in _UNREADABLE for p in problems):
                findings = tuple(f for f in findings if f.code != _UNPARSABLE_NOTE)
        text = document.text if document is not None else None
        if text is None and (problems or findings):
            text = self.text_of(path)
        return FileReport(path, tuple(problems), findings, text, version)

    def reports(
        self, change: Change, focus: Iterable[str] = (), *, skip: Iterable[str] = ()
    ) -> list[FileReport]:
        """Reports for ``focus`` first, then for every other file whose diagnostics ``change``
        may have changed: files with problems now, files that had some, open files of the
        changed apps (their linting depends on their ancestors), except ``skip``."""
        first = list(dict.fromkeys(focus))
        others: set[str] = set()
        index = self.index
        if index is not None:
            labels = set(change.apps)
            for path in first:
                label = index.app_of(path)
                if label is not None:
                    labels.add(label)
            if change.apps or change.manifest or change.reloaded:
                others |= self.problem_paths() | self.reported
                others.add(index.manifest.path)
            others |= {p for p in self.open if index.app_of(p) in labels}
        else:
            others |= self.reported
        config = self.config_problem()
        if config is not None:
            others.add(config.path)
        others -= {*first, *skip}
        reports = [self.report(path) for path in [*first, *sorted(others)]]
        for report in reports:
            if report.empty:
                self.reported.discard(report.path)
            else:
                self.reported.add(report.path)
        return reports

    def all_reports(self) -> list[FileReport]:
        return self.reports(Change(reloaded=True), sorted(self.open))

    def cross_component_cycles(self) -> Change:
        """After saves: cycles through several components (the index's own graphs see only
        cycles inside one), off the editing path."""
        if self.index is None or not self._structural:
            return Change()
        self._structural = False
        cycles = self.index.cycles()
        if cycles == self._cycles:
            return Change()
        self._cycles = cycles
        return Change(apps=frozenset(self.index.apps), manifest=False)

    # -- scanning (clients that cannot watch files) ---------------------------------------------
    def _record_stats(self, since: int) -> None:
        """The stats the first scan compares with, as the index just read the files. A file
        or folder modified since ``since`` (while indexing) is recorded as unknown, so the
        first scan reads it again; a folder whose listing no longer matches the index too."""
        index = self.index
        assert index is not None
        unknown = (-1, -1, -1)
        top = [index.manifest.path, PYPROJECT]
        top += [f"{app.path.rpartition('/')[0]}/apps.py" for app in index.apps.values()]
        for path in top:
            stat = _stat(os.path.join(self.root, path))
            self._file_stats[path] = unknown if stat[0] >= since else stat
        for app in index.apps.values():
            full = os.path.join(self.root, app.path)
            try:
                mtime = os.stat(full).st_mtime_ns
                names = os.listdir(full)
            except OSError:
                self._dir_stats[app.path] = -1
                continue
            present = {f"{app.path}/{n}" for n in names if n.endswith(".py") and n[0] not in "_~"}
            known = {p for p in index.decls if p.rpartition("/")[0] == app.path}
            fresh = mtime >= since or present != known
            for path in present:
                stat = _stat(os.path.join(self.root, path))
                self._file_stats[path] = unknown if stat[0] >= since else stat
                fresh = fresh or stat[0] >= since
            self._dir_stats[app.path] = -1 if fresh else mtime

    def scan(self) -> tuple[list[str], list[str]]:
        """Files added, changed or removed since the last scan, found from folder and file
        stats: (present paths to refresh, deleted paths)."""
        index = self.index
        if index is None:
            return [], []
        changed: list[str] = []
        deleted: list[str] = []
        top = [index.manifest.path, PYPROJECT]
        top += [f"{app.path.rpartition('/')[0]}/apps.py" for app in index.apps.values()]
        for path in top:
            stat = _stat(os.path.join(self.root, path))
            if self._file_stats.get(path, (0, 0, 0)) != stat:
                if path in self._file_stats or stat != (0, 0, 0):
                    changed.append(path)
                self._file_stats[path] = stat
        for app in list(index.apps.values()):
            full = os.path.join(self.root, app.path)
            try:
                mtime = os.stat(full).st_mtime_ns
            except OSError:
                mtime = 0
            if self._dir_stats.get(app.path) == mtime:
                continue
            first = app.path not in self._dir_stats
            self._dir_stats[app.path] = mtime
            known = {p for p in index.decls if p.rpartition("/")[0] == app.path}
            try:
                names = os.listdir(full)
            except OSError:
                names = []
            present = {f"{app.path}/{n}" for n in names if n.endswith(".py") and n[0] not in "_~"}
            for path in sorted(present | known):
                stat = _stat(os.path.join(self.root, path))
                previous = self._file_stats.get(path)
                self._file_stats[path] = stat
                if first and path in known:
                    continue
                if path not in present:
                    deleted.append(path)
                    self._file_stats.pop(path, None)
                elif previous != stat or path not in known:
                    changed.append(path)
        return changed, deleted

    # -- plans -----------------------------------------------------------------------------------
    def full_project(self) -> Project:
        assert self.index is not None
        return self.index.project()

    def graph_of(self, path: str) -> tuple[str, Graph] | None:
        index = self.index
        if index is None:
            return None
        label = index.app_of(path)
        if label is None or label not in index.apps:
            return None
        return label, index.graph(label)

    def dirty_paths(self, paths: Iterable[str]) -> list[str]:
        """Open buffers among ``paths`` whose text is not what is on disk."""
        dirty = []
        for path in paths:
            document = self.open.get(path)
            if document is None or document.detached:
                continue
            try:
                with open(os.path.join(self.root, path), "rb") as handle:
                    on_disk = decode_source(handle.read())
            except (OSError, DecodeError):
                on_disk = None
            if on_disk != document.text:
                dirty.append(path)
        return dirty

    def after_disk_change(
        self, written: Mapping[str, str], renamed: Mapping[str, str], created: Iterable[str] = ()
    ) -> Change:
        """The server wrote these files (new text by path), renamed these (old -> new) and
        created these: the open buffers follow the disk, and the index re-reads every path."""
        change = Change()
        for path, text in written.items():
            document = self.open.get(path)
            if document is not None:
                document.text = text
                if self.index is not None and self._overlaid(path, document):
                    change |= self._overlay(path, text)
        for old in renamed:
            document = self.open.get(old)
            if document is not None:
                document.detached = True
                if self.index is not None:
                    change |= self._overlay(old, None)
        paths = [*written, *renamed, *renamed.values(), *created]
        return change | self.refresh(paths)


#: File times come from a coarser clock than ``time.time_ns``: a margin for "modified since".
_CLOCK_SLACK_NS = 50_000_000


def _stat(full: str) -> tuple[int, int, int]:
    try:
        st = os.stat(full)
    except OSError:
        return (0, 0, 0)
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def relocated_leaves(problem: Problem, path: str, span: Span | None) -> Problem:
    """The multiple-leaves problem (which ``check`` puts on the first leaf) as seen from
    another leaf: on its own ``class Migration``, related to the other leaves."""
    if problem.path == path:
        return problem
    others = [Location(problem.path, problem.span), *problem.related]
    return dataclasses.replace(
        problem,
        path=path,
        span=span,
        related=tuple(location for location in others if location.path != path),
    )
