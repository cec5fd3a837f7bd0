"""ML004 alter-column-type: AlterField changing the column's type."""

from __future__ import annotations

from manifest_core.lint.fields import ColumnType, FieldView, type_change
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.lint.values import Unknown
from manifest_core.model import Severity, Span

from .common import field_change
from .notes import UNKNOWN_FIELD_CLASS

#: Arguments of the new field that decide its type, in the order a finding points at them.
_TYPE_ARGUMENTS = ("max_length", "max_digits", "decimal_places", "db_collation", "base_field")
#: Arguments that change the database but are judged by other rules, not by this one.
_OTHER_RULES = frozenset(
    {"null", "unique", "db_index", "db_default", "db_column", "db_constraint", "primary_key"}
)


def check(site: Site, ctx: MigrationContext) -> None:
    change = field_change(ctx, site)
    if change is None:
        return
    old, new = change.old, change.new
    if not old.has_column or not new.has_column or new.is_generated or old.is_generated:
        return
    if (
        old.call is not None
        and new.call is not None
        and old.call.qualname == new.call.qualname
        and _type_arguments(old) == _type_arguments(new)
    ):
        return  # written alike, unknowns included (to=swapper.get_model_name(...) twice)
    old_type, new_type = old.column_type(), new.column_type()
    span = _changed_span(old, new) or site.op.value_span("field")
    if isinstance(old_type, Unknown) or isinstance(new_type, Unknown):
        unknown = old_type if isinstance(old_type, Unknown) else new_type
        ctx.unreadable(
            site,
            span,
            f"cannot tell whether the column type changes: {unknown} is not a literal",
        )
        return
    if old_type is None or new_type is None:
        if (
            old.call is not None
            and new.call is not None
            and old.call.qualname == new.call.qualname
            and _type_arguments(old) == _type_arguments(new)
        ):
            return
        third_party = old if old_type is None else new
        ctx.report(
            UNKNOWN_FIELD_CLASS,
            span,
            f"cannot tell whether the column type changes: {third_party.class_text} is not one "
            "of Django's field classes",
            site,
        )
        return
    if _relation(old_type) or _relation(new_type):
        if old_type != new_type:
            ctx.unknown_prior(
                site,
                span,
                "cannot tell whether the column type changes: the column held "
                f"{_describe(old_type)} and now holds {_describe(new_type)} (the type of a key "
                "is the type of the field it points at, in another app's state)",
            )
        return
    reason = type_change(old_type, new_type)
    if reason is None:
        return
    column = ctx.column_ref(change.model, new.column(change.name))
    ctx.report(
        RULE,
        span,
        f"{reason} ({column}), holding an ACCESS EXCLUSIVE lock that blocks reads and writes",
        site,
    )


def _relation(column_type: ColumnType) -> bool:
    return column_type.base.startswith("key of ")


def _describe(column_type: ColumnType) -> str:
    if _relation(column_type):
        target = column_type.base.removeprefix("key of ")
        if column_type.params:
            return f'the field "{column_type.params[0]}" of {target}'
        return f"the primary key of {target}"
    return f"{column_type} values"


def _type_arguments(view: FieldView) -> dict[str, object]:
    return {k: v for k, v in view.database_kwargs().items() if k not in _OTHER_RULES}


def _changed_span(old: FieldView, new: FieldView) -> Span | None:
    """The new field's argument that changes the type, or its class when the class changed."""
    if new.call is None:
        return None
    if old.call is None or old.call.qualname != new.call.qualname:
        return new.call.func_span
    for name in _TYPE_ARGUMENTS:
        if old.get(name, None) != new.get(name, None):
            return new.call.kw_span(name) or new.call.func_span
    return None


RULE = Rule(
    code="ML004",
    name="alter-column-type",
    severity=Severity.ERROR,
    summary="changes the type of an existing column, which rewrites the table",
    why=(
        "ALTER COLUMN ... TYPE holds an ACCESS EXCLUSIVE lock (no reads, no writes) and, unless "
        "the old type converts to the new one without looking at the data, rewrites the whole "
        "table and rebuilds its indexes under it. The conversions that rewrite nothing, so the "
        "lock is brief: a longer `max_length` (or none), varchar to text, and a larger decimal "
        "precision at the same scale. Everything else, such as integer to bigint, a shorter "
        "`max_length` or text to varchar, locks the table for the duration of a rewrite, and the "
        "code still running may not understand the new type. A new collation rewrites nothing, "
        "but rebuilds every index on the column, reading the whole table under the same lock."
    ),
    safe=(
        "Add a new column with the new type, write to both, backfill in batches, switch reads "
        "to the new column, then remove the old one in a later release. To lengthen a varchar, "
        "only ever increase max_length."
    ),
    kinds=frozenset({"AlterField"}),
    check=check,
    not_reported=(
        (
            "the type does not change: only Python-side arguments (choices, verbose_name, "
            "validators,"
            " default...) change, or the same type is spelled differently (`URLField()` and "
            "`CharField(max_length=200)`)"
        ),
        "a longer `max_length`, or none (unlimited varchar)",
        "varchar to text",
        "a larger `max_digits` at the same `decimal_places`",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "integer to bigint",
            "# before: models.IntegerField()\n"
            "migrations.AlterField(\n"
            '    model_name="event",\n'
            '    name="count",\n'
            "    field=models.BigIntegerField(),\n"
            ")",
        ),
        Example(
            "safe",
            "A longer varchar",
            "# before: models.CharField(max_length=100)\n"
            "migrations.AlterField(\n"
            '    model_name="event",\n'
            '    name="title",\n'
            "    field=models.CharField(max_length=200),\n"
            ")",
        ),
    ),
)
