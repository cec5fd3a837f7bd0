"""ML011 add-index: an index built without CONCURRENTLY on an existing table."""

from __future__ import annotations

from manifest_core.lint.fields import ColumnType, FieldView
from manifest_core.lint.fixes import to_postgres_operation
from manifest_core.lint.rule import NEW_TABLE, NO_TABLE, Example, MigrationContext, Rule, Site
from manifest_core.model import Severity

from .common import field_change, index_kind, index_span, like_index, name_of, new_field, together


def check(site: Site, ctx: MigrationContext) -> None:
    kind = site.op.kind
    if kind == "AddIndex":
        _add_index(site, ctx)
    elif kind == "AlterIndexTogether":
        _index_together(site, ctx)
    elif kind == "AddField":
        found = new_field(ctx, site)
        if found is not None:
            model, name, field = found
            index = index_kind(ctx, site, field)
            if index:
                _report_field(site, ctx, ctx.table(model), name, field, index, adding=ctx.atomic)
    elif kind == "AlterField":
        change = field_change(ctx, site)
        if change is None:
            return
        old, new = index_kind(ctx, site, change.old), index_kind(ctx, site, change.new)
        if old is None or new is None or not new:
            return
        if new != old:
            _report_field(site, ctx, ctx.table(change.model), change.name, change.new, new)
        elif _like_index_rebuilt(change.old, change.new):
            column = change.new.column(change.name)
            call = change.new.call
            ctx.report(
                RULE,
                (call.func_span if call else None) or site.op.value_span("field"),
                f'changes the type of the indexed column {ctx.table(change.model)} ("{column}"): '
                "Django drops its *_like index (for LIKE queries) and builds a new one without "
                "CONCURRENTLY, blocking writes until it is built",
                site,
            )


def _add_index(site: Site, ctx: MigrationContext) -> None:
    model = ctx.existing_table(site)
    if model is None:
        return
    name = name_of(site.op.param("index"))
    ctx.report(
        RULE,
        site.op.head_span,
        f"creates index {name or '(unnamed)'} on {ctx.table(model)} without CONCURRENTLY: "
        "writes to the table are blocked until the index is built",
        site,
        fix=to_postgres_operation(ctx, site, "AddIndexConcurrently"),
    )


def _index_together(site: Site, ctx: MigrationContext) -> None:
    model = ctx.existing_table(site, "name")
    if model is None:
        return
    old = together(model.option("index_together"))
    new = together(site.op.param("index_together"))
    if old is None or new is None:
        ctx.unreadable(site, site.op.value_span("index_together"), "index_together is not literal")
        return
    for fields in sorted(new - old):
        ctx.report(
            RULE,
            site.op.value_span("index_together") or site.op.head_span,
            f"creates an index on {ctx.table(model)} ({', '.join(fields)}) without "
            "CONCURRENTLY: writes to the table are blocked until it is built",
            site,
        )


def _like_index_rebuilt(old: FieldView, new: FieldView) -> bool:
    """Whether Django rebuilds the ``*_like`` index: an indexed text column changes its type
    family (varchar, text, citext) and the new type has a ``*_like`` index too."""
    old_type, new_type = old.column_type(), new.column_type()
    if not isinstance(old_type, ColumnType) or not isinstance(new_type, ColumnType):
        return False
    families = ("varchar", "text", "citext")
    return (
        old_type.base in families
        and old_type.base != new_type.base
        and new_type.base in ("varchar", "text")
    )


def _report_field(
    site: Site,
    ctx: MigrationContext,
    table: str,
    name: str,
    field: FieldView,
    index: str,
    *,
    adding: bool = False,
) -> None:
    what = "a unique index" if index == "unique" else "an index"
    notes = []
    call = field.call
    if index == "index" and call is not None and call.kw("db_index") is not True:
        notes.append(f"{field.kind} columns are indexed unless db_index=False")
    if index == "unique" and field.kind == "OneToOneField" and call and not call.has_kw("unique"):
        notes.append("OneToOneField columns are unique")
    if like_index(field):
        notes.append("and a *_like index for LIKE queries")
    detail = f" ({'; '.join(notes)})" if notes else ""
    blocked = "writes to the table are blocked until it is built"
    if adding:
        blocked = (
            "the ACCESS EXCLUSIVE lock of ADD COLUMN is held until the index is built, so reads "
            "and writes are both blocked"
        )
    ctx.report(
        RULE,
        index_span(field, index) or site.op.value_span("field"),
        f'creates {what} on {table} ("{field.column(name)}"){detail} without CONCURRENTLY: '
        f"{blocked}",
        site,
    )


RULE = Rule(
    code="ML011",
    name="add-index",
    severity=Severity.ERROR,
    summary="builds an index on an existing table without CONCURRENTLY",
    why=(
        "CREATE INDEX takes a SHARE lock on the table: reads go on, but every INSERT, UPDATE "
        "and DELETE waits until the whole index is built, minutes on a large table. Django builds "
        "indexes this way for AddIndex, for fields with db_index=True or unique=True, for "
        "ForeignKey and SlugField columns (indexed by default), and for index_together."
    ),
    safe=(
        "Build the index with AddIndexConcurrently (django.contrib.postgres.operations) in a "
        "migration with `atomic = False`, ideally on its own. For db_index/unique on a field, "
        "wrap the AlterField/AddField in SeparateDatabaseAndState and create the index in "
        "database_operations with AddIndexConcurrently or RunSQL CREATE [UNIQUE] INDEX "
        "CONCURRENTLY."
    ),
    kinds=frozenset({"AddIndex", "AlterIndexTogether", "AddField", "AlterField"}),
    check=check,
    fixable=True,
    not_reported=(
        "`AddIndexConcurrently` (see concurrent-index-in-atomic for its own requirement)",
        "the field already had the same index",
        "`db_index=False` on a ForeignKey or SlugField",
        NEW_TABLE,
        NO_TABLE,
    ),
    examples=(
        Example(
            "unsafe",
            "AddIndex",
            "migrations.AddIndex(\n"
            '    model_name="order",\n'
            '    index=models.Index(fields=["created_at"], name="order_created_idx"),\n'
            ")",
        ),
        Example(
            "safe",
            "AddIndexConcurrently in a non-atomic migration",
            "from django.contrib.postgres.operations import AddIndexConcurrently\n\n\n"
            "class Migration(migrations.Migration):\n"
            "    atomic = False\n"
            "    operations = [\n"
            "        AddIndexConcurrently(\n"
            '            model_name="order",\n'
            '            index=models.Index(fields=["created_at"], name="order_created_idx"),\n'
            "        ),\n"
            "    ]",
        ),
    ),
)
