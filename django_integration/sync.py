"""Bring ``migrations.toml`` in line with Django's view, atomically: the shared write path.

Used by the write hooks (after ``makemigrations`` & co.) and by ``update_migration_manifest``.
The plan comes from :func:`manifest_core.update.plan_update` and is applied with
:func:`manifest_core.fsops.apply_plan`: a temporary file renamed over the manifest, the file's
mode kept, a read-only manifest refused before anything is written.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from manifest_core.codes import MULTIPLE_LEAVES
from manifest_core.fsops import ApplyError, apply_plan
from manifest_core.manifest import Manifest
from manifest_core.model import ProjectSummary
from manifest_core.project import read_manifest
from manifest_core.scope import TABLE_LINE, exclude_line, fixture_apps
from manifest_core.update import UpdateResult, plan_update

from .conf import ManifestSettings
from .texts import RESOLVE_HINT
from .view import DjangoView


class SyncError(Exception):
    """The manifest could not be written; nothing was changed. ``reason`` says why.

    ``exit_code`` is 1, or 128 + the signal's number when a signal interrupted the write.
    """

    def __init__(self, path: str, reason: str, exit_code: int = 1) -> None:
        super().__init__(f"{path} was not written: {reason}")
        self.path = path
        self.reason = reason
        self.exit_code = exit_code


def recover(root: str, cache_dir: str) -> str | None:
    """Roll back a plan an interrupted command left in this repository (see
    :func:`manifest_core.journal.recover`): one sentence saying so, or None.

    Raises :class:`SyncError` when rolling back fails or is interrupted.
    """
    from manifest_core.fsops import Interrupted
    from manifest_core.journal import JournalError
    from manifest_core.journal import recover as recover_journal

    try:
        return recover_journal(root, cache_dir)
    except JournalError as exc:
        raise SyncError(
            "migrations.toml",
            f"an interrupted plan could not be rolled back: {exc}; fix that, then run "
            "`python -m manifest_core resolve --abort`",
        ) from None
    except Interrupted as exc:
        raise SyncError("migrations.toml", str(exc), exc.exit_code) from None


@dataclass(frozen=True)
class SyncResult:
    manifest: Manifest
    update: UpdateResult
    #: One line per app that changes, e.g. ``store: 0002_a -> 0003_b``.
    changes: tuple[str, ...] = ()
    #: Why the manifest cannot be written (apps with several leaves), or "" when it can.
    refused: str = ""
    written: bool = False

    @property
    def path(self) -> str:
        return self.manifest.path

    @property
    def changed(self) -> bool:
        """Whether the file differs from what Django's view gives (or does not exist)."""
        return not self.refused and not self.update.plan.empty

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.manifest.text.splitlines(keepends=True),
                self.update.content.splitlines(keepends=True),
                fromfile=f"a/{self.path}",
                tofile=f"b/{self.path}",
            )
        )

    def report(self) -> list[str]:
        """``Updated migrations.toml:`` and one line per app that changed."""
        verb = "Updated" if self.manifest.exists else "Created"
        return [f"{verb} {self.path}:", *(f"  {c}" for c in self.changes)]


def plan_sync(view: DjangoView) -> SyncResult:
    """What writing the manifest from ``view`` would change, or why it must not be written."""
    conf = view.settings
    manifest = read_manifest(conf.root, conf.config)
    summary = view.summary()
    update = plan_update(summary, manifest)
    return SyncResult(
        manifest, update, _changes(update.changes, view), _refusal(update, summary, conf)
    )


def _refusal(update: UpdateResult, summary: ProjectSummary, conf: ManifestSettings) -> str:
    """Why the manifest must not be written (several leaves, unreadable migrations), or ``""``.

    The advice for apps in tests or fixtures folders is the ``exclude`` line, never resolve.
    """
    if not update.blocking:
        return ""
    several = [app for app in summary.apps if len(app.heads) > 1]
    parts = [
        f"app {app.label!r} has {len(app.heads)} leaf migrations ({', '.join(app.head_names)})"
        for app in several
    ]
    parts.extend(
        f"{p.path}:{p.line}: {p.message}" for p in update.blocking if p.code != MULTIPLE_LEAVES.code
    )
    fixtures = fixture_apps(update.blocking, summary)
    if fixtures:
        folders = ", ".join(fixtures.values())
        advice = (
            f"{folders} {'looks' if len(fixtures) == 1 else 'look'} like tests or fixtures: "
            f"leave {'it' if len(fixtures) == 1 else 'them'} out with "
            f"`{exclude_line(fixtures.values(), conf.config.exclude)}` under "
            f"{TABLE_LINE} in pyproject.toml"
        )
        others = sorted(a.label for a in several if a.label not in fixtures)
        if others:
            advice += f"; for {', '.join(map(repr, others))}, {RESOLVE_HINT}"
    elif several:
        advice = RESOLVE_HINT
    else:
        advice = "fix them first (`python -m manifest_core check` lists them)"
    return f"{'; '.join(parts)}: {advice}"


def _changes(changes: tuple[str, ...], view: DjangoView) -> tuple[str, ...]:
    """The core's change lines, saying why a removed app is removed in Django's terms."""
    result = []
    for change in changes:
        label, _, what = change.partition(": ")
        if what.startswith("removed ("):
            reason = view.left_out.get(label)
            if reason:
                change = f"{label}: removed: {reason}"
        result.append(change)
    return tuple(result)


def sync(view: DjangoView, label: str = "manage.py update_migration_manifest") -> SyncResult:
    """Write the manifest from ``view`` when it changed. Raises :class:`SyncError`.

    Refuses (returns with ``refused`` set, writing nothing) while an app has several leaves.
    """
    result = plan_sync(view)
    if not result.changed:
        return result
    conf = view.settings
    try:
        apply_plan(
            conf.root,
            result.update.plan,
            use_git=False,
            label=label,
            cache_dir=conf.config.cache_dir,
        )
    except ApplyError as exc:
        raise SyncError(result.path, str(exc), getattr(exc, "exit_code", 1)) from None
    return SyncResult(result.manifest, result.update, result.changes, written=True)
