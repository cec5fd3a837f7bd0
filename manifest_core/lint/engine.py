"""Lint one migration's text against the app's prior state: a pure function.

:func:`lint_source` is what the language server calls on every keystroke: it parses the buffer
once, walks its operations while replaying their effect on the model state (so an ``AddField``
after a ``CreateModel`` in the same migration knows the table is new), runs every enabled rule,
then applies the inline suppressions. It reads no file and asks no question of git: everything it
needs about the rest of the project is in the :class:`PriorState`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from manifest_core.model import DEFAULT_SWAPPABLE, Key, Span

from .findings import FileResult, Finding, SuppressedFinding
from .fixes import suppression_point
from .framework import SAFE_WITH_ZERO_DOWNTIME, ZERO_DOWNTIME
from .operations import Operation
from .rule import Hit, MigrationContext, Rule, Site
from .rules import OPERATION_RULES, find_rule, suggest
from .rules.notes import (
    SKIPPED_SQUASH,
    SUPPRESSION_WITHOUT_REASON,
    UNKNOWN_OPERATION,
    UNKNOWN_RULE_IN_SUPPRESSION,
    UNPARSABLE_MIGRATION,
    UNREADABLE_ARGUMENT,
    UNUSED_SUPPRESSION,
)
from .settings import LintSettings
from .source import ParsedMigration, parse_source
from .state import AppState, apply_operation, record_sql_tables
from .suppress import Suppression, find_suppressions

_SUPPRESSION_NOTES = frozenset(
    {SUPPRESSION_WITHOUT_REASON.code, UNKNOWN_RULE_IN_SUPPRESSION.code, UNUSED_SUPPRESSION.code}
)


@dataclass(frozen=True)
class PriorState:
    """What a migration is linted against: the app's state before it, and which migrations are
    new on this branch (their tables count as new, per the ``new-tables`` setting)."""

    key: Key
    state: AppState
    new_migrations: frozenset[Key] = frozenset()
    swappable: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_SWAPPABLE))
    #: For a squashed migration: the migrations it replaces are deployed, so it never runs.
    squash_deployed: bool = False

    @classmethod
    def empty(cls, key: Key) -> PriorState:
        """No earlier migrations: every model the migration touches is unknown or its own."""
        return cls(key, AppState(key[0]))


DEFAULT_SETTINGS = LintSettings()


def lint_source(
    path: str, text: str, prior: PriorState, settings: LintSettings = DEFAULT_SETTINGS
) -> FileResult:
    """Lint a migration module's text (``path`` is only used to label findings)."""
    return lint_parsed(parse_source(path, text), prior, settings)


def build_sites(
    operations: Iterable[Operation], state: AppState, key: Key, swappable: Mapping[str, str]
) -> tuple[list[Site], AppState]:
    """Every operation with the state just before it, nested operations included, in order."""
    sites: list[Site] = []
    final = _walk(sites, operations, state, True, (), key, swappable)
    return sites, final


def _walk(
    sites: list[Site],
    ops: Iterable[Operation],
    state: AppState,
    database: bool,
    parents: tuple[Operation, ...],
    key: Key,
    swappable: Mapping[str, str],
) -> AppState:
    # A module-level function, not a recursive closure: a closure that calls itself is a
    # reference cycle, which would keep every site alive while a whole-project lint pauses
    # the garbage collector.
    for op in ops:
        sites.append(Site(op, state, database, parents, len(sites)))
        nested = (*parents, op)
        if op.known and op.kind == "SeparateDatabaseAndState":
            _walk(sites, op.database_operations, state, database, nested, key, swappable)
            if database:
                state = record_sql_tables(state, op, key)
            state = _walk(sites, op.state_operations, state, False, nested, key, swappable)
        elif op.known and op.kind == "RunSQL" and op.state_operations:
            if database:
                state = record_sql_tables(state, op, key)
            state = _walk(sites, op.state_operations, state, False, nested, key, swappable)
        else:
            state = apply_operation(state, op, key, swappable, database=database)
    return state


def lint_parsed(
    parsed: ParsedMigration, prior: PriorState, settings: LintSettings = DEFAULT_SETTINGS
) -> FileResult:
    key = prior.key
    hits: list[Hit] = []
    if not parsed.ok:
        for note in parsed.notes:
            hits.append(Hit(UNPARSABLE_MIGRATION, note.span or Span(1, 0, 1, 0), note.message))
        return _result(parsed, key, hits, [], settings, linted=False, operations=0)
    if parsed.replaces and prior.squash_deployed:
        hits.append(
            Hit(
                SKIPPED_SQUASH,
                parsed.class_span or Span(1, 0, 1, 0),
                f"not linted: it replaces {len(parsed.replaces)} migrations that are already "
                "deployed, so production never runs its operations",
            )
        )
        return _result(parsed, key, hits, [], settings, linted=False, operations=0)
    sites, final = build_sites(parsed.operations, prior.state, key, prior.swappable)
    ctx = MigrationContext(
        parsed,
        key,
        new_migrations=prior.new_migrations,
        new_tables_on_branch=settings.new_tables == "branch",
        swappable=prior.swappable,
        postgres_version=settings.postgres_version,
        sites=sites,
        enabled=settings.enabled,
        schema_editor=settings.schema_editor,
        post_deploy=parsed.flag(settings.post_deploy_attribute) is True,
    )
    made_safe = SAFE_WITH_ZERO_DOWNTIME if settings.schema_editor == ZERO_DOWNTIME else frozenset()
    for note in parsed.notes:
        rule = UNPARSABLE_MIGRATION if note.kind == "unlintable" else UNREADABLE_ARGUMENT
        ctx.report(rule, note.span, note.message)
    for site in sites:
        op = site.op
        if not op.known:
            where = "the models" if not site.database else "the database or the models"
            what = (
                f"{op.text} is not one of Django's operations"
                if op.call
                else (f"{op.text or 'this item'} is not an operation call")
            )
            ctx.report(
                UNKNOWN_OPERATION,
                op.head_span,
                f"{what}: the linter cannot tell what it does to {where}",
                site,
            )
        elif op.binding_problem:
            ctx.report(
                UNREADABLE_ARGUMENT,
                op.head_span,
                f"the arguments of {op.kind} cannot be read ({op.binding_problem})",
                site,
            )
    for rule in OPERATION_RULES:
        if not settings.enabled(rule) or rule.code in made_safe:
            continue
        if rule.check is not None:
            for site in sites:
                if (
                    site.op.kind in rule.kinds
                    and site.op.known
                    and not site.op.binding_problem
                    and (site.database or rule.state_operations)
                ):
                    rule.check(site, ctx)
        if rule.check_migration is not None:
            rule.check_migration(ctx)
    result = _result(parsed, key, ctx.hits, sites, settings, linted=True, operations=len(sites))
    if not parsed.notes:
        result = replace(result, state_after=final)
    return result


def _result(
    parsed: ParsedMigration,
    key: Key,
    hits: list[Hit],
    sites: list[Site],
    settings: LintSettings,
    *,
    linted: bool,
    operations: int,
) -> FileResult:
    migration = f"{key[0]}.{key[1]}"
    findings = [
        _finding(parsed, hit, migration, settings) for hit in hits if settings.enabled(hit.rule)
    ]
    active, suppressed = _apply_suppressions(parsed, migration, findings, hits, settings)
    active.sort(key=Finding.sort_key)
    return FileResult(
        path=parsed.path,
        migration=key,
        findings=tuple(active),
        suppressed=tuple(suppressed),
        linted=linted,
        operations=operations,
    )


def _finding(parsed: ParsedMigration, hit: Hit, migration: str, settings: LintSettings) -> Finding:
    rule = hit.rule
    point = None
    if rule.code not in _SUPPRESSION_NOTES:
        line = hit.site.op.span.line if hit.site is not None else hit.span.line
        point = suppression_point(parsed, line)
    site = hit.site
    return Finding(
        code=rule.code,
        name=rule.name,
        severity=settings.severity(rule),
        path=parsed.path,
        span=hit.span,
        message=hit.message,
        hint=rule.safe,
        url=rule.url,
        migration=migration,
        operation=(site.op.kind or site.op.text) if site is not None else "",
        operation_span=site.op.span if site is not None else None,
        fix=hit.fix,
        suppression_point=point,
    )


def _lines(hit: Hit) -> set[int]:
    lines = {hit.span.line}
    if hit.site is not None:
        lines.add(hit.site.op.span.line)
        lines.update(parent.span.line for parent in hit.site.parents)
    return lines


def _rules_named(suppression: Suppression) -> tuple[list[Rule], list[str]]:
    rules: list[Rule] = []
    unknown: list[str] = []
    for name in suppression.rules:
        rule = find_rule(name)
        if rule is None:
            unknown.append(name)
        else:
            rules.append(rule)
    return rules, unknown


def _apply_suppressions(
    parsed: ParsedMigration,
    migration: str,
    findings: list[Finding],
    hits: list[Hit],
    settings: LintSettings,
) -> tuple[list[Finding], list[SuppressedFinding]]:
    suppressions = find_suppressions(parsed.text) if parsed.ok else []
    if not suppressions:
        return findings, []
    lines = [_lines(hit) for hit in hits if settings.enabled(hit.rule)]
    active: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    used: set[tuple[int, str]] = set()
    for finding, finding_lines in zip(findings, lines, strict=True):
        match = None
        for number, suppression in enumerate(suppressions):
            if not suppression.valid or not suppression.has_reason:
                continue
            if suppression.target not in finding_lines:
                continue
            rules, _ = _rules_named(suppression)
            if any(rule.code == finding.code for rule in rules):
                match = suppression
                used.add((number, finding.code))
                break
        if match is not None:
            suppressed.append(SuppressedFinding(finding, match))
        else:
            active.append(finding)
    notes: list[Hit] = []
    for number, suppression in enumerate(suppressions):
        span = suppression.span
        if not suppression.valid:
            notes.append(
                Hit(
                    UNKNOWN_RULE_IN_SUPPRESSION,
                    span,
                    "is not a valid suppression: write "
                    "`# migration-manifest: ignore[<rule-name>] -- <reason>`",
                )
            )
            continue
        rules, unknown = _rules_named(suppression)
        for name in unknown:
            notes.append(
                Hit(
                    UNKNOWN_RULE_IN_SUPPRESSION,
                    span,
                    f"suppresses {name!r}, which is not a rule code or name{suggest(name)}",
                )
            )
        if not suppression.rules:
            notes.append(Hit(UNKNOWN_RULE_IN_SUPPRESSION, span, "names no rule inside ignore[...]"))
        if not suppression.has_reason:
            notes.append(
                Hit(
                    SUPPRESSION_WITHOUT_REASON,
                    span,
                    "gives no reason after `--`, so it suppresses nothing: say why the "
                    "operation is safe here",
                )
            )
            continue
        for rule in rules:
            if rule.code in _SUPPRESSION_NOTES or not settings.enabled(rule):
                continue
            if (number, rule.code) not in used:
                notes.append(
                    Hit(
                        UNUSED_SUPPRESSION,
                        span,
                        f"suppresses {rule.name}, but no {rule.name} finding is on line "
                        f"{suppression.target}",
                    )
                )
    for hit in notes:
        if settings.enabled(hit.rule):
            finding = _finding(parsed, hit, migration, settings)
            active.append(finding)
    return active, suppressed
