"""``lint``: static detection of unsafe migration operations (PostgreSQL locks, rolling deploys).

Public API (what the CLI and the language server use):

* :func:`lint_source` lints one migration's text against a :class:`PriorState` (the app's model
  state before it): pure, no I/O, milliseconds, for an editor buffer;
* :class:`LintSession` holds a loaded project and gives the prior state of any migration by
  replaying the app's earlier operations along the graph (memoised), and lints files or buffers;
* :func:`lint_project` lints a set of migrations of a project into a :class:`LintReport`;
* :class:`Finding` (frozen, with exact spans and structured fixes as
  :class:`~manifest_core.plan.Plan`), :data:`RULES` and :class:`Rule` (code, name, summary, why,
  safe alternative, docs URL), :class:`LintSettings` (the ``[tool.django-migration-manifest.lint]``
  table).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import PriorState, lint_parsed, lint_source
    from .findings import FileResult, Finding, SuppressedFinding
    from .prior import LintSession
    from .rule import DOCS_BASE_URL, Rule
    from .rules import RULES, find_rule
    from .runner import LintReport, lint_project, new_migrations
    from .settings import LintSettings, load_lint_settings, parse_lint_settings
    from .source import ParsedMigration, parse_source
    from .state import AppState, ModelState

#: Where each public name lives. The package imports nothing until a name is used: the CLI
#: imports ``manifest_core.lint.command`` for every command, and ``check`` must stay fast.
_EXPORTS = {
    "PriorState": "engine",
    "lint_parsed": "engine",
    "lint_source": "engine",
    "FileResult": "findings",
    "Finding": "findings",
    "SuppressedFinding": "findings",
    "LintSession": "prior",
    "DOCS_BASE_URL": "rule",
    "Rule": "rule",
    "RULES": "rules",
    "find_rule": "rules",
    "LintReport": "runner",
    "lint_project": "runner",
    "new_migrations": "runner",
    "LintSettings": "settings",
    "load_lint_settings": "settings",
    "parse_lint_settings": "settings",
    "ParsedMigration": "source",
    "parse_source": "source",
    "AppState": "state",
    "ModelState": "state",
}

__all__ = [
    "DOCS_BASE_URL",
    "RULES",
    "AppState",
    "FileResult",
    "Finding",
    "LintReport",
    "LintSession",
    "LintSettings",
    "ModelState",
    "ParsedMigration",
    "PriorState",
    "Rule",
    "SuppressedFinding",
    "find_rule",
    "lint_parsed",
    "lint_project",
    "lint_source",
    "load_lint_settings",
    "new_migrations",
    "parse_lint_settings",
    "parse_source",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
