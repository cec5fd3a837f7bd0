"""``update``: plan the rewrite of ``migrations.toml`` from the migrations on disk. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from .checks import manifest_apps, multiple_leaves
from .manifest import Manifest, render_manifest
from .model import Problem, ProjectSummary, Severity
from .plan import FileCreate, Plan, TextEdit, whole_text_span


@dataclass(frozen=True)
class UpdateResult:
    plan: Plan
    #: Problems that stop the update (the plan is then empty): heads that are not well defined.
    blocking: tuple[Problem, ...]
    #: One line per app that changes, e.g. ``blog: 0011_a -> 0012_b``.
    changes: tuple[str, ...]
    content: str


def plan_update(summary: ProjectSummary, manifest: Manifest) -> UpdateResult:
    """The plan that makes ``migrations.toml`` match the disk, or why it cannot be made."""
    blocking = [multiple_leaves(app) for app in summary.apps if len(app.heads) > 1]
    blocking.extend(p for p in summary.problems if p.severity >= Severity.ERROR)
    apps = manifest_apps(summary)
    content = render_manifest(apps)
    if blocking:
        return UpdateResult(Plan("update migrations.toml"), tuple(blocking), (), content)
    labels = sorted(set(manifest.entries) | set(manifest.theirs or {}) | set(apps))
    changes = [c for c in (_describe(label, manifest, apps.get(label)) for label in labels) if c]
    if manifest.exists and manifest.text == content and not manifest.bom:
        return UpdateResult(Plan("update migrations.toml"), (), (), content)
    if manifest.exists:
        edit = TextEdit(manifest.path, whole_text_span(manifest.text), content, manifest.text)
        plan = Plan("update migrations.toml", edits=(edit,))
    else:
        plan = Plan("create migrations.toml", creates=(FileCreate(manifest.path, content),))
    if not changes:
        changes.append("rewritten in the standard layout")
    return UpdateResult(plan, (), tuple(changes), content)


def _describe(label: str, manifest: Manifest, after: tuple[str, str] | None) -> str:
    """One line for an app whose entry changes (``blog: 0011_a -> 0012_b``), else ``""``."""
    sides = [manifest.entries.get(label)]
    if manifest.theirs is not None and label in manifest.conflicted_labels():
        sides.append(manifest.theirs.get(label))
    present = [(e.head, e.path) for e in sides if e is not None]
    if after is None:
        return f"{label}: removed (no migrations on disk)" if present else ""
    if not present:
        return f"{label}: added at {after[0]}"
    if len(sides) == 2:
        heads = " / ".join(str(e.head) if e else "absent" for e in sides)
        return f"{label}: {heads} (conflicted) -> {after[0]}"
    before = present[0]
    if before == after:
        return ""
    if before[0] != after[0]:
        return f"{label}: {before[0]} -> {after[0]}"
    return f"{label}: path {before[1]} -> {after[1]}"
