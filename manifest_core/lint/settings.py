"""Lint settings: the ``[tool.django-migration-manifest.lint]`` table of ``pyproject.toml``.

.. code-block:: toml

    [tool.django-migration-manifest.lint]
    select = ["ALL"]                 # rules to run: codes, names, "ALL" or a code prefix ("ML0")
    ignore = ["run-sql-without-reverse"]
    postgres-version = 14            # the oldest PostgreSQL major version you deploy to
    new-migrations = "branch"        # what `lint` checks by default: "branch" or "all"
    new-tables = "branch"            # tables created on this branch count as new: "branch"
                                     # (default) or only those created in the same migration
    fail-level = "warning"           # the lowest severity that makes `lint` exit 1
    schema-editor = "django"         # or "django-pg-zero-downtime-migrations" (else detected)
    post-deploy-attribute = "is_post_deployment"  # the Migration attribute marking post-deploy

    [tool.django-migration-manifest.lint.severity]
    remove-index = "error"           # per-rule severity: "error", "warning" or "info"

Unknown keys and values are configuration errors (exit code 2), reported with their line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from manifest_core.config import PYPROJECT, TABLE, ConfigError
from manifest_core.model import Severity

from .rule import Rule
from .rules import RULES, find_rule, select_rules, suggest

KEYS = (
    "select",
    "ignore",
    "severity",
    "postgres-version",
    "new-migrations",
    "new-tables",
    "fail-level",
    "schema-editor",
    "post-deploy-attribute",
)
DEFAULT_POSTGRES_VERSION = 14
CHOICES = {"new-migrations": ("branch", "all"), "new-tables": ("branch", "migration")}


@dataclass(frozen=True)
class LintSettings:
    """How to lint: which rules, at which severity, for which PostgreSQL."""

    #: Codes of the rules that do not run.
    disabled: frozenset[str] = frozenset()
    #: Severity overrides, by code.
    severities: tuple[tuple[str, Severity], ...] = ()
    postgres_version: int = DEFAULT_POSTGRES_VERSION
    #: Which migrations ``lint`` checks without ``--all`` or paths: ``branch`` or ``all``.
    new_migrations: str = "branch"
    #: ``branch``: a table created by a migration new on this branch counts as new (empty, and
    #: unused by deployed code); ``migration``: only tables created in the same migration do.
    new_tables: str = "branch"
    fail_level: Severity = Severity.WARNING
    #: The schema editor that runs the migrations: ``django``, or
    #: ``django-pg-zero-downtime-migrations``, which makes some rules' patterns safe.
    schema_editor: str = "django"
    #: Where ``schema_editor`` came from: ``None`` (default or configured) or the settings file.
    schema_editor_source: str | None = None
    #: The class attribute that marks a migration run after the new code is deployed.
    post_deploy_attribute: str = "is_post_deployment"

    def enabled(self, rule: Rule) -> bool:
        return rule.code not in self.disabled

    def severity(self, rule: Rule) -> Severity:
        for code, severity in self.severities:
            if code == rule.code:
                return severity
        return rule.severity

    def selecting(
        self, select: Iterable[str] | None = None, ignore: Iterable[str] = ()
    ) -> LintSettings:
        """These settings with ``--select`` (replacing the selection) and ``--ignore`` applied.

        Raises ``ValueError`` for a selector that names no rule.
        """
        disabled = set(self.disabled)
        if select is not None:
            chosen = _resolve(select, "select")
            disabled = {r.code for r in RULES} - {r.code for r in chosen}
        disabled |= {r.code for r in _resolve(ignore, "ignore")}
        return replace(self, disabled=frozenset(disabled))


def _resolve(selectors: Iterable[str], what: str) -> list[Rule]:
    rules: list[Rule] = []
    for selector in selectors:
        found = select_rules(selector)
        if not found:
            raise ValueError(f"{what}: {selector!r} is not a rule code or name{suggest(selector)}")
        rules.extend(found)
    return rules


def load_lint_settings(root: str, table: Mapping[str, Any] | None) -> LintSettings:
    """Validate the raw ``lint`` table (``Config.extra["lint"]``); errors carry their line."""
    settings = LintSettings()
    if table:
        text = ""
        try:
            with open(os.path.join(root, PYPROJECT), encoding="utf-8") as handle:
                text = handle.read()
        except OSError:
            pass
        settings = parse_lint_settings(table, text)
    if not table or "schema-editor" not in table:
        from .framework import detect_schema_editor

        editor, source = detect_schema_editor(root)
        if source is not None:
            settings = replace(settings, schema_editor=editor, schema_editor_source=source)
    return settings


def parse_lint_settings(table: Mapping[str, Any], text: str = "") -> LintSettings:
    def fail(key: str, message: str, subtable: str | None = None) -> ConfigError:
        where = f"[tool.{TABLE}.lint{'.' + subtable if subtable else ''}]"
        return ConfigError(f"{where} {key}: {message}", line=_line(text, key, subtable))

    for key in table:
        if key not in KEYS:
            raise fail(key, f"unknown setting (known settings: {', '.join(KEYS)})")
    settings = LintSettings()
    for key in ("select", "ignore"):
        value = table.get(key)
        if value is None:
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise fail(key, "must be a list of rule codes or names")
        for selector in value:
            if not select_rules(selector):
                raise fail(key, f"{selector!r} is not a rule code or name{suggest(selector)}")
    try:
        settings = settings.selecting(table.get("select"), table.get("ignore") or ())
    except ValueError as exc:  # pragma: no cover - validated above
        raise fail("select", str(exc)) from None
    severities: list[tuple[str, Severity]] = []
    raw = table.get("severity", {})
    if not isinstance(raw, dict):
        raise fail("severity", "must be a table of rule = severity")
    for selector, level in raw.items():
        rule = find_rule(selector)
        if rule is None:
            raise fail(
                selector, f"is not a rule code or name{suggest(selector)}", subtable="severity"
            )
        if not isinstance(level, str):
            raise fail(selector, "must be error, warning or info", subtable="severity")
        try:
            severities.append((rule.code, Severity.parse(level)))
        except ValueError as exc:
            raise fail(selector, str(exc), subtable="severity") from None
    version = table.get("postgres-version", DEFAULT_POSTGRES_VERSION)
    major = _major(version)
    if major is None:
        raise fail("postgres-version", "must be a PostgreSQL major version such as 14 (or 9.6)")
    choices: dict[str, str] = {}
    for key, allowed in CHOICES.items():
        value = table.get(key, allowed[0])
        if value not in allowed:
            raise fail(key, f"must be one of {', '.join(repr(a) for a in allowed)}")
        choices[key] = value
    fail_level = Severity.WARNING
    if "fail-level" in table:
        level = table["fail-level"]
        try:
            fail_level = Severity.parse(level if isinstance(level, str) else "")
        except ValueError:
            raise fail("fail-level", "must be error, warning or info") from None
    from .framework import SCHEMA_EDITORS

    editor = table.get("schema-editor", SCHEMA_EDITORS[0])
    if editor not in SCHEMA_EDITORS:
        raise fail("schema-editor", f"must be one of {', '.join(repr(e) for e in SCHEMA_EDITORS)}")
    attribute = table.get("post-deploy-attribute", "is_post_deployment")
    if not isinstance(attribute, str) or not attribute.isidentifier():
        raise fail("post-deploy-attribute", "must be a Python attribute name")
    return replace(
        settings,
        schema_editor=editor,
        post_deploy_attribute=attribute,
        severities=tuple(severities),
        postgres_version=major,
        new_migrations=choices["new-migrations"],
        new_tables=choices["new-tables"],
        fail_level=fail_level,
    )


def _major(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value) if "." in value else int(value)
        except ValueError:
            return None
    if isinstance(value, float) and 9 <= value < 10:
        return 9
    if isinstance(value, int) and 9 <= value <= 99:
        return value
    return None


_HEADER_RE = re.compile(r"^\s*\[([^\[\]]+)\]\s*(?:#.*)?$", re.M)


def _line(text: str, key: str, subtable: str | None) -> int | None:
    """The line of ``key`` inside the lint table (or its ``severity`` sub-table) of the text."""
    if not text:
        return None
    wanted = f"tool.{TABLE}.lint" + (f".{subtable}" if subtable else "")
    sections: list[tuple[str, int, int]] = []
    headers = list(_HEADER_RE.finditer(text))
    for i, match in enumerate(headers):
        name = re.sub(r"\s+|\"|'", "", match.group(1))
        end = headers[i + 1].start() if i + 1 < len(headers) else len(text)
        sections.append((name, match.end(), end))
    escaped = re.escape(key)
    key_re = re.compile(rf"^\s*[\"']?{escaped}[\"']?\s*=", re.M)
    for name, start, end in sections:
        if name == wanted:
            found = key_re.search(text, start, end)
            if found:
                return text.count("\n", 0, found.start()) + 1
            return text.count("\n", 0, start) + 1
    if subtable:  # an inline table: ``severity = { ... }`` in the lint table
        return _line(text, subtable, None)
    for name, start, end in sections:
        if name == f"tool.{TABLE}":
            inline = re.search(r"^\s*lint\s*=", text[start:end], re.M)
            if inline:
                return text.count("\n", 0, start + inline.start()) + 1
    return None
