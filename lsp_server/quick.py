"""The first diagnostics of a file opened while the project is still being indexed.

Indexing a large repository takes a second or more; the file the editor opened should not wait
for it. This indexes the opened file's app first, with the same core pieces the full index uses
(the declarations reader, the label rules, the graph builder, ``check``'s multiple-leaves
problem, the linter), and nothing else: problems that need other apps (a dependency on another
app's migration, a squash replacing migrations of another app) wait for the full index, which
replaces these diagnostics when it is done.
"""

from __future__ import annotations

import os

from manifest_core import codes, gitinfo
from manifest_core.checks import multiple_leaves
from manifest_core.config import ConfigError, load_config
from manifest_core.graph import build_graph
from manifest_core.labels import choose_label, label_from_apps_py
from manifest_core.lint import Finding, LintSession
from manifest_core.lint.runner import new_migrations
from manifest_core.model import (
    AppSummary,
    Decl,
    DepKey,
    Head,
    Migration,
    MigrationFile,
    Problem,
    ReadMethod,
    Ref,
    dep_key,
)
from manifest_core.project import (
    App,
    Project,
    file_problems,
    is_migration_package,
    read_full,
    read_manifest,
)
from manifest_core.reader import parse_migration, read_declarations

from .project import FileReport, lint_settings_for, relocated_leaves
from .settings import Settings

#: Graph problems that one app's graph decides on its own.
_LOCAL = frozenset(
    {
        codes.MISSING_DEPENDENCY.code,
        codes.CIRCULAR_DEPENDENCY.code,
        codes.NESTED_SQUASH.code,
        codes.DANGLING_REPLACEMENT.code,
    }
)


def quick_report(
    root: str, path: str, text: str, version: int | None, settings: Settings
) -> FileReport | None:
    """The opened file's report from its app alone; ``None`` when it is not a migration of an
    app (or the project cannot be read: the full index will say why)."""
    try:
        config = load_config(root)
    except ConfigError:
        return None
    folder, _, name = path.rpartition("/")
    if not name.endswith(".py") or name[0] in "_~" or not folder:
        return None
    full = os.path.join(root, folder)
    try:
        names = sorted(os.listdir(full))
    except OSError:
        return None
    if "__init__.py" not in names:
        return None
    manifest = read_manifest(root, config)
    explicit = folder in config.labels or folder in manifest.path_labels()
    if folder.rsplit("/", 1)[-1] != "migrations" and not explicit:
        return None
    parsed = parse_migration(path, text)
    opened = parsed.decl()
    decls: list[Decl] = [opened]
    for other in names:
        relative = f"{folder}/{other}"
        if relative == path or not other.endswith(".py") or other[0] in "_~":
            continue
        if "." in other[:-3]:
            continue
        try:
            with open(os.path.join(full, other), "rb") as handle:
                decls.append(read_declarations(relative, handle.read()))
        except OSError:
            continue
    if not is_migration_package(decls, explicit=explicit):
        return None
    apps_py_label = None
    parent = folder.rpartition("/")[0]
    try:
        with open(os.path.join(root, parent, "apps.py"), "rb") as handle:
            apps_py_label = label_from_apps_py(handle.read())
    except OSError:
        pass
    label, source = choose_label(
        folder,
        overrides=config.labels,
        manifest=manifest.path_labels(),
        apps_py_label=apps_py_label,
    )
    migrations = [
        Migration(label, decl)
        for decl in decls
        if decl.method != ReadMethod.NONE.value and decl.has_migration_class
    ]
    read: dict[str, MigrationFile] = {path: parsed}

    def locate(migration: Migration, attribute: str, written: DepKey) -> Ref | None:
        """Where a reference is written (for problems on the exact string), as the index does."""
        found = read.get(migration.path)
        if found is None:
            found = read[migration.path] = read_full(root, migration.path)
        refs: tuple[Ref, ...] = getattr(found, attribute, ())
        return next((r for r in refs if dep_key(r) == written), None)

    graph = build_graph(migrations, config.swappable, locate)
    problems: list[Problem] = file_problems(opened)
    problems.extend(p for p in graph.problems if p.path == path and p.code in _LOCAL)
    leaves = graph.leaves.get(label, ())
    key = (label, opened.name)
    if len(leaves) > 1 and key in leaves:
        heads = [graph.migrations[leaf] for leaf in leaves]
        summary = AppSummary(
            label,
            folder,
            tuple(Head(m.name, m.path, m.decl.class_span) for m in heads),
            len(migrations),
        )
        problems.append(relocated_leaves(multiple_leaves(summary), path, opened.class_span))
    findings: tuple[Finding, ...] = ()
    if settings.lint.enabled and len(text) <= settings.max_file_size:
        try:
            lint_settings = lint_settings_for(root, config, settings.lint)
        except ConfigError:
            lint_settings = None
        if lint_settings is not None:
            app = App(label, folder, source, tuple(sorted(migrations, key=lambda m: m.key)))
            project = Project(
                root=os.path.abspath(root),
                config=config,
                manifest=manifest,
                apps={label: app},
                graph=graph,
                problems=(),
                overlays={path: text},
            )
            new = _new_on_branch(root, config.default_branch, folder, project)
            session = LintSession(project, lint_settings, new_migrations=new)
            findings = session.lint_text(path, text, app=label).findings
    return FileReport(path, tuple(problems), tuple(findings), text, version)


def _new_on_branch(
    root: str, configured: str | None, folder: str, project: Project
) -> frozenset[tuple[str, str]]:
    try:
        if gitinfo.toplevel(root) is None:
            return frozenset()
        baseline = gitinfo.default_branch(root, configured=configured, pushed=True)
        if baseline is None:
            return frozenset()
        present = gitinfo.files_at(root, baseline, under=folder)
    except OSError:
        return frozenset()
    return new_migrations(project, baseline, present)
