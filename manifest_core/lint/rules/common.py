"""Helpers shared by several rules: reading fields, comparing the old and new definition."""

from __future__ import annotations

from dataclasses import dataclass

from manifest_core.lint.fields import FieldView, truncate_name
from manifest_core.lint.rule import MigrationContext, Site
from manifest_core.lint.state import ModelState
from manifest_core.lint.values import MISSING, Call, Unknown, describe
from manifest_core.model import Span


@dataclass(frozen=True)
class FieldChange:
    """An ``AlterField`` on an existing table: the model, the field name, old and new views."""

    model: ModelState
    name: str
    old: FieldView
    new: FieldView


def new_field(ctx: MigrationContext, site: Site) -> tuple[ModelState, str, FieldView] | None:
    """For ``AddField``/``AlterField`` on an existing table: (model, field name, new field).

    Memoised per operation, since several rules ask.
    """
    memo = ("new_field", site.position)
    if memo not in ctx.cache:
        ctx.cache[memo] = _new_field(ctx, site)
    found = ctx.cache[memo]
    return found if isinstance(found, tuple) else None


def _new_field(ctx: MigrationContext, site: Site) -> tuple[ModelState, str, FieldView] | None:
    model = ctx.existing_table(site)
    if model is None:
        return None
    name = site.op.param("name")
    if not isinstance(name, str):
        ctx.unreadable(
            site,
            site.op.value_span("name"),
            f"{site.op.kind}.name is {describe(name)}, not a string literal",
        )
        return None
    view = FieldView(site.op.param("field"))
    if not view.readable:
        ctx.unreadable(
            site,
            site.op.value_span("field") or site.op.head_span,
            f"{site.op.kind}.field is {describe(site.op.param('field'))}, not a field class call",
        )
        return None
    return model, name, view


def field_change(ctx: MigrationContext, site: Site) -> FieldChange | None:
    """For ``AlterField`` on an existing table: the old and new definitions, when both known.

    When the old definition is not known, one note says so (whichever rule asks first).
    Memoised per operation.
    """
    memo = ("field_change", site.position)
    if memo not in ctx.cache:
        ctx.cache[memo] = _field_change(ctx, site)
    found = ctx.cache[memo]
    return found if isinstance(found, FieldChange) else None


def _field_change(ctx: MigrationContext, site: Site) -> FieldChange | None:
    found = new_field(ctx, site)
    if found is None:
        return None
    model, name, new = found
    old_value = model.field(name)
    if old_value is MISSING or isinstance(old_value, Unknown):
        ctx.unknown_prior(
            site,
            site.op.value_span("name") or site.op.head_span,
            f"the earlier definition of {ctx.app}.{model.name}.{name} is not known, so this "
            "AlterField cannot be checked (column type, NULL, indexes, constraints)",
        )
        return None
    old = FieldView(old_value)
    if not old.readable:
        ctx.unknown_prior(
            site,
            site.op.value_span("name") or site.op.head_span,
            f"the earlier definition of {ctx.app}.{model.name}.{name} is {describe(old_value)}, "
            "so this AlterField cannot be checked (column type, NULL, indexes, constraints)",
        )
        return None
    return FieldChange(model, name, old, new)


def flag(
    ctx: MigrationContext, site: Site, view: FieldView, name: str, value: bool | Unknown
) -> bool | None:
    """A boolean field property, or ``None`` after reporting that it is not a literal."""
    if isinstance(value, Unknown):
        span = view.call.kw_span(name) if view.call else None
        ctx.unreadable(
            site,
            span or site.op.value_span("field"),
            f"{name}={value} is not a literal: the linter cannot tell what it does",
        )
        return None
    return value


def index_kind(ctx: MigrationContext, site: Site, view: FieldView) -> str | None:
    """``unique``, ``index`` or ``""`` for what Django builds for a field; ``None`` if unknown."""
    if not view.has_column:
        return ""
    unique = flag(ctx, site, view, "unique", view.unique)
    if unique is None:
        return None
    if unique:
        return "unique"
    db_index = flag(ctx, site, view, "db_index", view.db_index)
    if db_index is None:
        return None
    return "index" if db_index else ""


def like_index(view: FieldView) -> bool:
    """Whether Django also builds a ``*_like`` index (varchar_pattern_ops) for the column."""
    column_type = view.column_type()
    if column_type is None or isinstance(column_type, Unknown):
        return False
    return column_type.base in ("varchar", "text")


def index_span(view: FieldView, kind: str) -> Span | None:
    """The keyword that asks for the index, or the field class when the index is implicit."""
    call = view.call
    if call is None:
        return None
    if kind == "unique":
        for keyword in ("unique", "primary_key"):
            if call.kw(keyword) is True:
                return call.kw_span(keyword)
    elif call.kw("db_index") is True:
        return call.kw_span("db_index")
    return call.func_span


def together(value: object) -> frozenset[tuple[str, ...]] | None:
    """Django's ``normalize_together``: a set of field-name tuples, ``None`` if not literal."""
    if value is None or value is MISSING:
        return frozenset()
    if isinstance(value, (tuple, frozenset)):
        items = list(value)
        if not items:
            return frozenset()
        if all(isinstance(i, str) for i in items) and isinstance(value, tuple):
            return frozenset({tuple(str(i) for i in items)})
        result = set()
        for item in items:
            if not isinstance(item, (tuple, frozenset)) or not all(
                isinstance(i, str) for i in item
            ):
                return None
            result.add(tuple(str(i) for i in item))
        return frozenset(result)
    return None


def constraint_kind(value: object) -> str | None:
    """``unique``, ``check`` or ``exclusion`` for Django's constraint classes, else ``None``."""
    if not isinstance(value, Call):
        return None
    qualname = value.qualname
    if qualname in (
        "django.db.models.UniqueConstraint",
        "django.db.models.constraints.UniqueConstraint",
    ):
        return "unique"
    if qualname in (
        "django.db.models.CheckConstraint",
        "django.db.models.constraints.CheckConstraint",
    ):
        return "check"
    if qualname in (
        "django.contrib.postgres.constraints.ExclusionConstraint",
        "django.contrib.postgres.constraints.constraints.ExclusionConstraint",
    ):
        return "exclusion"
    return None


def name_of(value: object) -> str:
    """The ``name=`` of an index or constraint, quoted, or ``''``."""
    if isinstance(value, Call):
        name = value.kw("name", None)
        if isinstance(name, str):
            return f'"{name}"'
    return ""


def table_unchanged_by_migration(ctx: MigrationContext, site: Site, name: str) -> bool:
    """Whether the table of model ``name`` (as named just before ``site``) ends the migration
    with the name it started with: a ``RenameModel`` then an ``AlterModelTable`` back to the old
    table (or the reverse) renames nothing, as far as the code running outside the transaction
    can see."""
    if not ctx.atomic:
        return False
    lineage = [s for s in ctx.sites if s.database and not s.parents]
    if site not in lineage:
        return False
    position = lineage.index(site)
    start = name
    for earlier in reversed(lineage[:position]):
        op = earlier.op
        if op.kind == "RenameModel" and _same(op.param("new_name"), start):
            old = op.param("old_name")
            if not isinstance(old, str):
                return False
            start = old
    first = lineage[0].state.model(start)
    if first is None:
        return False
    table: object = first.table(ctx.app)
    current, explicit = start, first.option("db_table") is not None
    for later in lineage:
        op = later.op
        if op.kind == "RenameModel" and _same(op.param("old_name"), current):
            new = op.param("new_name")
            if not isinstance(new, str):
                return False
            current = new
            if not explicit:
                table = truncate_name(f"{ctx.app}_{new.lower()}")
        elif op.kind == "AlterModelTable" and _same(op.param("name"), current):
            value = op.param("table", None)
            explicit = value is not None
            table = value if explicit else truncate_name(f"{ctx.app}_{current.lower()}")
    return isinstance(table, str) and table == first.table(ctx.app)


def _same(value: object, name: str) -> bool:
    return isinstance(value, str) and value.lower() == name.lower()
