"""The model state of one app, replayed statically from its operations.

This is Django's ``ProjectState`` reduced to what the rules need, for one app: each model's
fields (a field is its class plus its literal arguments), the options that decide its table
(``db_table``, ``managed``, ``proxy``, ``swappable``, ``unique_together``, ``index_together``) and
the migration that created it. :func:`apply_operation` follows each operation's
``state_forwards``; an operation the linter cannot replay leaves a *caveat* on the state instead
of a guess, and rules that need a missing fact say so (``unknown-prior-state``).

States are immutable in use: applying an operation returns a new state that shares every model
it did not touch with the old one, so keeping the state after every migration is cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from manifest_core.model import Key

from .fields import FieldView, truncate_name
from .operations import Operation
from .values import MISSING, Call, Dict, Unknown

#: Options ``AlterModelOptions`` replaces as a whole (Django's ``ALTER_OPTION_KEYS``).
ALTER_OPTION_KEYS = frozenset(
    {
        "base_manager_name",
        "default_manager_name",
        "default_related_name",
        "get_latest_by",
        "managed",
        "ordering",
        "permissions",
        "default_permissions",
        "select_on_save",
        "verbose_name",
        "verbose_name_plural",
    }
)


@dataclass(frozen=True)
class ModelState:
    """One model: ``name`` as written, ``fields`` by name in order, ``options`` as written."""

    name: str
    fields: Mapping[str, object]
    options: Mapping[str, object]
    #: The migration whose operation created the model (``None``: not known).
    created_by: Key | None
    #: ``False`` when the model's fields could not all be read.
    complete: bool = True

    @property
    def lower(self) -> str:
        return self.name.lower()

    def option(self, name: str, default: object = None) -> object:
        return self.options.get(name, default)

    def table(self, app: str) -> str | Unknown:
        """The database table: ``db_table``, else ``<app>_<model>`` as Django names it."""
        value = self.options.get("db_table")
        if isinstance(value, str):
            return value
        if value is not None:
            return Unknown(repr(value))
        return truncate_name(f"{app}_{self.lower}")

    def has_table(self, swappable: Mapping[str, str], app: str) -> bool | None:
        """Whether migrations change this model's table (managed, concrete, not swapped out).

        ``None`` when an option deciding it is not a literal.
        """
        managed = self.options.get("managed", True)
        proxy = self.options.get("proxy", False)
        if not isinstance(managed, bool) or not isinstance(proxy, bool):
            return None
        if not managed or proxy:
            return False
        setting = self.options.get("swappable")
        if isinstance(setting, str):
            target = swappable.get(setting)
            if target is not None and target.lower() != f"{app}.{self.lower}":
                return False
        return True

    def field(self, name: str) -> object:
        return self.fields.get(name, MISSING)


@dataclass(frozen=True)
class AppState:
    """The state of one app's models after some of its migrations."""

    app: str
    models: Mapping[str, ModelState] = field(default_factory=dict)
    #: Tables and columns the models stopped using, with the migration that dropped them from
    #: the state (``RemoveField``/``DeleteModel``, state-only or not).
    retired_tables: Mapping[str, Key] = field(default_factory=dict)
    retired_columns: Mapping[tuple[str, str], Key] = field(default_factory=dict)
    #: Why the state may be incomplete: operations the linter could not replay.
    caveats: tuple[str, ...] = ()
    #: Tables created by raw SQL (``RunSQL("CREATE TABLE ...")``), with the migration that did.
    sql_tables: Mapping[str, Key] = field(default_factory=dict)
    #: ``CHECK (column IS NOT NULL)`` constraints by name: (table, column, validated).
    not_null_checks: Mapping[str, tuple[str, str, bool]] = field(default_factory=dict)

    def validated_not_null(self, table: str, column: str) -> bool:
        """Whether a validated ``CHECK (column IS NOT NULL)`` exists, so that PostgreSQL 12 and
        later skip the scan of ``SET NOT NULL``."""
        return any(
            (t, c, True) == (table, column, validated)
            for t, c, validated in self.not_null_checks.values()
        )

    def model(self, name: object) -> ModelState | None:
        if not isinstance(name, str):
            return None
        return self.models.get(name.lower())


class _Builder:
    """A mutable copy of an :class:`AppState`, copying each model at most once."""

    def __init__(self, state: AppState) -> None:
        self.app = state.app
        self.models = dict(state.models)
        self.retired_tables = state.retired_tables
        self.retired_columns = state.retired_columns
        self.caveats = list(state.caveats)
        self.sql_tables = state.sql_tables
        self.not_null_checks = state.not_null_checks

    def retire_table(self, table: str, key: Key) -> None:
        tables = dict(self.retired_tables)
        tables[table] = key
        self.retired_tables = tables

    def retire_column(self, table: str, column: str, key: Key) -> None:
        columns = dict(self.retired_columns)
        columns[(table, column)] = key
        self.retired_columns = columns

    def sql_table(self, table: str, key: Key) -> None:
        tables = dict(self.sql_tables)
        tables[table] = key
        self.sql_tables = tables

    def check(self, name: str, value: tuple[str, str, bool] | None) -> None:
        checks = dict(self.not_null_checks)
        if value is None:
            checks.pop(name, None)
        else:
            checks[name] = value
        self.not_null_checks = checks

    def caveat(self, text: str) -> None:
        if text not in self.caveats:
            self.caveats.append(text)

    def freeze(self) -> AppState:
        return AppState(
            self.app,
            self.models,
            self.retired_tables,
            self.retired_columns,
            tuple(self.caveats),
            self.sql_tables,
            self.not_null_checks,
        )


def apply_operations(
    state: AppState,
    operations: Iterable[Operation],
    key: Key,
    swappable: Mapping[str, str],
) -> AppState:
    """The state after ``operations`` of migration ``key`` (their ``state_forwards``)."""
    builder = _Builder(state)
    for operation in operations:
        _apply(builder, operation, key, swappable, True)
    return builder.freeze()


def apply_operation(
    state: AppState,
    operation: Operation,
    key: Key,
    swappable: Mapping[str, str],
    *,
    database: bool = True,
) -> AppState:
    """The state after one operation; ``database=False`` inside ``state_operations`` (a
    ``CreateModel`` there adopts a table that exists already: it is not new)."""
    builder = _Builder(state)
    _apply(builder, operation, key, swappable, database)
    return builder.freeze()


def record_sql_tables(state: AppState, operation: Operation, key: Key) -> AppState:
    """The state with the tables a ``RunSQL``'s SQL creates (nested in
    ``SeparateDatabaseAndState.database_operations`` too) recorded as created by ``key``."""
    builder = _Builder(state)
    _record_sql(builder, operation, key)
    return builder.freeze()


def _record_sql(b: _Builder, op: Operation, key: Key) -> None:
    if not op.known:
        return
    if op.kind == "SeparateDatabaseAndState":
        for inner in op.database_operations:
            _record_sql(b, inner, key)
    elif op.kind == "RunSQL":
        for table in sql_created_tables(op.param("sql")):
            b.sql_table(table, key)
        for action, table, name, column, validated in sql_not_null_checks(op.param("sql")):
            if action == "add" and column is not None:
                b.check(name, (table, column, validated))
            elif action == "validate" and name in b.not_null_checks:
                t, c, _ = b.not_null_checks[name]
                b.check(name, (t, c, True))
            elif action == "drop":
                b.check(name, None)


def _sql_strings(value: object) -> list[str]:
    strings: list[str] = []
    if isinstance(value, str):
        strings = [value]
    elif isinstance(value, tuple):
        for item in value:
            if isinstance(item, str):
                strings.append(item)
            elif isinstance(item, tuple) and item and isinstance(item[0], str):
                strings.append(item[0])
    return strings


def sql_not_null_checks(value: object) -> list[tuple[str, str, str, str | None, bool]]:
    """``CHECK (column IS NOT NULL)`` constraints a RunSQL adds, validates or drops."""
    from .sql import not_null_checks, split_statements

    found: list[tuple[str, str, str, str | None, bool]] = []
    for text in _sql_strings(value):
        if "constraint" not in text.lower():
            continue
        for statement in split_statements(text):
            found += not_null_checks(statement)
    return found


def sql_created_tables(value: object) -> list[str]:
    """The tables a RunSQL ``sql`` argument creates (``CREATE TABLE``), if it is literal."""
    from .sql import created_table, split_statements

    tables: list[str] = []
    for text in _sql_strings(value):
        lowered = text.lower()
        if "create" not in lowered or "table" not in lowered:
            continue
        for statement in split_statements(text):
            table = created_table(statement)
            if table is not None:
                tables.append(table)
    return tables


def _where(key: Key) -> str:
    return f"{key[0]}.{key[1]}"


def _apply(
    b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str], database: bool
) -> None:
    if not op.known:
        b.caveat(f"{_where(key)} uses {op.text or 'an expression'}, which the linter cannot replay")
        return
    if op.binding_problem:
        b.caveat(f"{_where(key)}: the arguments of {op.kind} cannot be read ({op.binding_problem})")
        return
    kind = op.kind
    if kind in ("SeparateDatabaseAndState", "RunSQL"):
        if database:
            _record_sql(b, op, key)
        for inner in op.state_operations:
            _apply(b, inner, key, swappable, False)
        return
    if kind == "CreateModel" and not database:
        _adopt_model(b, op, key, swappable)
        return
    handler = _HANDLERS.get(kind)
    if handler is not None:
        handler(b, op, key, swappable)


def _name(b: _Builder, op: Operation, key: Key, param: str) -> str | None:
    value = op.param(param)
    if isinstance(value, str):
        return value
    b.caveat(f"{_where(key)}: {op.kind}.{param} is not a string literal")
    return None


def _model(b: _Builder, op: Operation, key: Key, param: str = "model_name") -> ModelState | None:
    name = _name(b, op, key, param)
    if name is None:
        return None
    return b.models.get(name.lower())


def _create_model(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    name = _name(b, op, key, "name")
    if name is None:
        return
    fields: dict[str, object] = {}
    complete = True
    raw_fields = op.param("fields", ())
    if not isinstance(raw_fields, tuple):
        complete = False
        raw_fields = ()
    for item in raw_fields:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            fields[item[0]] = item[1]
        else:
            complete = False
    options = op.param("options", None)
    options_map: dict[str, object] = {}
    if isinstance(options, Dict):
        options_map = {k: v for k, v in options.items if isinstance(k, str)}
    elif options not in (None, MISSING):
        complete = False
    b.models[name.lower()] = ModelState(name, fields, options_map, key, complete)


def _adopt_model(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    """A ``CreateModel`` in ``state_operations``: the model takes over a table that exists, so
    the table is as new as whatever created it (raw SQL on this branch), else not new."""
    _create_model(b, op, key, swappable)
    name = op.param("name")
    model = b.models.get(name.lower()) if isinstance(name, str) else None
    if model is None:
        return
    table = model.table(b.app)
    created_by = b.sql_tables.get(table) if isinstance(table, str) else None
    b.models[model.lower] = ModelState(
        model.name, model.fields, model.options, created_by, model.complete
    )


def _delete_model(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    name = _name(b, op, key, "name")
    if name is None:
        return
    model = b.models.pop(name.lower(), None)
    if model is not None and model.has_table(swappable, b.app):
        table = model.table(b.app)
        if isinstance(table, str):
            b.retire_table(table, key)


def _rename_model(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    old = _name(b, op, key, "old_name")
    new = _name(b, op, key, "new_name")
    if old is None or new is None:
        return
    model = b.models.pop(old.lower(), None)
    if model is None:
        return
    b.models[new.lower()] = ModelState(
        new, model.fields, model.options, model.created_by, model.complete
    )


Handler = Callable[[_Builder, Operation, Key, Mapping[str, str]], None]


def _set_option(name: str, param: str) -> Handler:
    def handler(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
        model = _model(b, op, key, "name")
        if model is None:
            return
        options = dict(model.options)
        value = op.param(param, None)
        if value is None or value is MISSING:
            options.pop(name, None)
        else:
            options[name] = value
        b.models[model.lower] = ModelState(
            model.name, model.fields, options, model.created_by, model.complete
        )

    return handler


def _alter_options(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    model = _model(b, op, key, "name")
    if model is None:
        return
    value = op.param("options", None)
    if not isinstance(value, Dict):
        b.caveat(f"{_where(key)}: AlterModelOptions.options is not a literal dict")
        return
    options = dict(model.options)
    new = {k: v for k, v in value.items if isinstance(k, str)}
    options.update(new)
    for option in ALTER_OPTION_KEYS:
        if option not in new:
            options.pop(option, None)
    b.models[model.lower] = ModelState(
        model.name, model.fields, options, model.created_by, model.complete
    )


def _add_or_alter_field(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    model = _model(b, op, key)
    name = _name(b, op, key, "name")
    if model is None or name is None:
        return
    fields = dict(model.fields)
    fields[name] = op.param("field", Unknown("?"))
    b.models[model.lower] = ModelState(
        model.name, fields, model.options, model.created_by, model.complete
    )


def _remove_field(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    model = _model(b, op, key)
    name = _name(b, op, key, "name")
    if model is None or name is None:
        return
    fields = dict(model.fields)
    removed = fields.pop(name, MISSING)
    if removed is not MISSING and model.has_table(swappable, b.app):
        view = FieldView(removed)
        table = model.table(b.app)
        column = view.column(name)
        if view.has_column and isinstance(table, str) and isinstance(column, str):
            b.retire_column(table, column, key)
    b.models[model.lower] = ModelState(
        model.name, fields, model.options, model.created_by, model.complete
    )


def _rename_field(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    model = _model(b, op, key)
    old = _name(b, op, key, "old_name")
    new = _name(b, op, key, "new_name")
    if model is None or old is None or new is None:
        return
    fields = {(new if name == old else name): value for name, value in model.fields.items()}
    b.models[model.lower] = ModelState(
        model.name, fields, model.options, model.created_by, model.complete
    )


def _not_null_condition(model: ModelState, constraint: object) -> str | None:
    """The column of ``CheckConstraint(condition=Q(<field>__isnull=False))``, else ``None``."""
    if not isinstance(constraint, Call) or constraint.name != "CheckConstraint":
        return None
    condition = constraint.kw("condition", MISSING)
    if condition is MISSING:
        condition = constraint.kw("check", MISSING)
    if not isinstance(condition, Call) or condition.name != "Q":
        return None
    lookups: list[tuple[object, object]] = list(condition.kwargs)
    for arg in condition.args:
        if isinstance(arg, tuple) and len(arg) == 2:
            lookups.append((arg[0], arg[1]))
        else:
            return None
    if len(lookups) != 1 or (condition.kwargs and condition.args):
        return None
    lookup, value = lookups[0]
    if not isinstance(lookup, str) or not lookup.endswith("__isnull") or value is not False:
        return None
    name = lookup.removesuffix("__isnull")
    if "__" in name:
        return None
    column = FieldView(model.field(name)).column(name) if name in model.fields else name
    return column if isinstance(column, str) else None


def _add_constraint(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    model = _model(b, op, key)
    if model is None:
        return
    constraint = op.param("constraint")
    column = _not_null_condition(model, constraint)
    table = model.table(b.app)
    name = constraint.kw("name", None) if isinstance(constraint, Call) else None
    if column is not None and isinstance(table, str) and isinstance(name, str):
        b.check(name, (table, column, op.kind == "AddConstraint"))


def _validate_constraint(
    b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]
) -> None:
    name = op.param("name")
    if isinstance(name, str) and name in b.not_null_checks:
        table, column, _ = b.not_null_checks[name]
        b.check(name, (table, column, True))


def _remove_constraint(b: _Builder, op: Operation, key: Key, swappable: Mapping[str, str]) -> None:
    name = op.param("name")
    if isinstance(name, str):
        b.check(name, None)


_HANDLERS: dict[str, Handler] = {
    "AddConstraint": _add_constraint,
    "AddConstraintNotValid": _add_constraint,
    "ValidateConstraint": _validate_constraint,
    "RemoveConstraint": _remove_constraint,
    "CreateModel": _create_model,
    "DeleteModel": _delete_model,
    "RenameModel": _rename_model,
    "AlterModelTable": _set_option("db_table", "table"),
    "AlterUniqueTogether": _set_option("unique_together", "unique_together"),
    "AlterIndexTogether": _set_option("index_together", "index_together"),
    "AlterModelOptions": _alter_options,
    "AddField": _add_or_alter_field,
    "AlterField": _add_or_alter_field,
    "RemoveField": _remove_field,
    "RenameField": _rename_field,
}
