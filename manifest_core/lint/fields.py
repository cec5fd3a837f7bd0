"""What a field definition means for PostgreSQL: its column type, nullability, indexes, checks.

A field is read as its class plus its literal keyword arguments (a :class:`~.values.Call`).
Django's own field classes are known: their column types follow Django's PostgreSQL backend
(``DatabaseWrapper.data_types``) and their defaults follow each class's ``deconstruct()``, which
is what ``makemigrations`` writes (a ``SlugField`` without ``db_index`` has an index, a
``ForeignKey`` without ``db_index=False`` too). Third-party field classes are not guessed at.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .values import MISSING, Call, Name, Unknown, describe, is_unknown

#: The PostgreSQL column type of Django's field classes, by class name. ``%(max_length)s``
#: and friends are filled from the field's arguments (``None`` when the class defaults apply).
_COLUMN_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "AutoField": ("integer", ()),
    "BigAutoField": ("bigint", ()),
    "SmallAutoField": ("smallint", ()),
    "BinaryField": ("bytea", ()),
    "BooleanField": ("boolean", ()),
    "NullBooleanField": ("boolean", ()),
    "CharField": ("varchar", ("max_length",)),
    "CommaSeparatedIntegerField": ("varchar", ("max_length",)),
    "SlugField": ("varchar", ("max_length",)),
    "EmailField": ("varchar", ("max_length",)),
    "URLField": ("varchar", ("max_length",)),
    "FileField": ("varchar", ("max_length",)),
    "ImageField": ("varchar", ("max_length",)),
    "FilePathField": ("varchar", ("max_length",)),
    "DateField": ("date", ()),
    "DateTimeField": ("timestamp with time zone", ()),
    "TimeField": ("time", ()),
    "DurationField": ("interval", ()),
    "DecimalField": ("numeric", ("max_digits", "decimal_places")),
    "FloatField": ("double precision", ()),
    "IntegerField": ("integer", ()),
    "BigIntegerField": ("bigint", ()),
    "SmallIntegerField": ("smallint", ()),
    "PositiveIntegerField": ("integer", ()),
    "PositiveBigIntegerField": ("bigint", ()),
    "PositiveSmallIntegerField": ("smallint", ()),
    "IPAddressField": ("inet", ()),
    "GenericIPAddressField": ("inet", ()),
    "JSONField": ("jsonb", ()),
    "TextField": ("text", ()),
    "UUIDField": ("uuid", ()),
    # django.contrib.postgres.fields
    "HStoreField": ("hstore", ()),
    "CICharField": ("citext", ()),
    "CIEmailField": ("citext", ()),
    "CITextField": ("citext", ()),
    "IntegerRangeField": ("int4range", ()),
    "BigIntegerRangeField": ("int8range", ()),
    "DecimalRangeField": ("numrange", ()),
    "DateTimeRangeField": ("tstzrange", ()),
    "DateRangeField": ("daterange", ()),
}

#: ``max_length`` when the class sets one and the migration does not write it.
_DEFAULT_MAX_LENGTH = {
    "SlugField": 50,
    "EmailField": 254,
    "URLField": 200,
    "FileField": 100,
    "ImageField": 100,
    "FilePathField": 100,
}

POSITIVE_FIELDS = frozenset(
    {"PositiveIntegerField", "PositiveBigIntegerField", "PositiveSmallIntegerField"}
)
RELATED_FIELDS = frozenset({"ForeignKey", "OneToOneField"})
_DJANGO_FIELD_MODULES = (
    "django.db.models.",
    "django.contrib.postgres.fields.",
    "django.contrib.gis.db.models.",
)

#: Keyword arguments that never change the database (Django does not emit SQL for them).
NON_DATABASE_KWARGS = frozenset(
    {
        "verbose_name",
        "help_text",
        "choices",
        "default",
        "blank",
        "editable",
        "validators",
        "error_messages",
        "related_name",
        "related_query_name",
        "limit_choices_to",
        "on_delete",
        "serialize",
        "unique_for_date",
        "unique_for_month",
        "unique_for_year",
        "auto_now",
        "auto_now_add",
        "upload_to",
        "storage",
        "width_field",
        "height_field",
        "db_comment",
        "auto_created",
        "swappable",
        "protocol",
        "unpack_ipv4",
        "path",
        "match",
        "recursive",
        "allow_files",
        "allow_folders",
        "allow_unicode",
        "encoder",
        "decoder",
        "form_class",
        "parent_link",
        "symmetrical",
    }
)

#: PostgreSQL's limit on identifiers, which Django truncates table and column names to.
MAX_NAME_LENGTH = 63


def truncate_name(identifier: str, length: int = MAX_NAME_LENGTH, hash_len: int = 4) -> str:
    """Django's ``truncate_name``: shorten to ``length`` with a hash suffix, as the backend does."""
    if len(identifier) <= length:
        return identifier
    digest = hashlib.md5(identifier.encode(), usedforsecurity=False).hexdigest()[:hash_len]
    return identifier[: length - hash_len] + digest


@dataclass(frozen=True)
class ColumnType:
    """A PostgreSQL column type: a base name and its modifiers (``varchar`` ``(100,)``)."""

    base: str
    params: tuple[object, ...] = ()
    collation: object = None

    def __str__(self) -> str:
        text = self.base
        if self.params:
            text += "(" + ", ".join(str(p) for p in self.params) + ")"
        if self.collation:
            text += f' COLLATE "{self.collation}"'
        return text


class FieldView:
    """Questions about one field definition, answered from its class and literal arguments."""

    __slots__ = ("call", "django", "kind")

    def __init__(self, value: object) -> None:
        self.call = value if isinstance(value, Call) else None
        qualname = self.call.qualname if self.call else ""
        self.kind = self.call.name if self.call else ""
        self.django = qualname.startswith(_DJANGO_FIELD_MODULES)

    @property
    def readable(self) -> bool:
        return self.call is not None

    @property
    def class_text(self) -> str:
        return self.call.written if self.call else "?"

    def get(self, name: str, default: object = MISSING) -> object:
        """An argument by name, positional ones included where Django's signature is known."""
        if self.call is None:
            return Unknown("?")
        value = self.call.kw(name, MISSING)
        if value is not MISSING:
            return value
        positional = _POSITIONAL.get(self.kind, ("verbose_name", "name"))
        if name in positional and self.django:
            position = positional.index(name)
            if position < len(self.call.args):
                return self.call.args[position]
        if self.call.star:
            return Unknown("**kwargs")
        return default

    # -- shape --
    @property
    def is_m2m(self) -> bool:
        return self.kind == "ManyToManyField"

    @property
    def is_relation(self) -> bool:
        """A ``ForeignKey`` or ``OneToOneField`` (a column holding the target's key)."""
        return self.kind in RELATED_FIELDS

    @property
    def is_generated(self) -> bool:
        return self.kind == "GeneratedField"

    @property
    def is_positive(self) -> bool:
        return self.django and self.kind in POSITIVE_FIELDS

    @property
    def has_column(self) -> bool:
        return not self.is_m2m

    # -- database properties (each a bool, or an Unknown when not a literal) --
    def flag(self, name: str, default: bool) -> bool | Unknown:
        value = self.get(name, default)
        if isinstance(value, bool):
            return value
        if value is None:
            return default
        return value if isinstance(value, Unknown) else Unknown(describe(value))

    @property
    def null(self) -> bool | Unknown:
        return self.flag("null", False)

    @property
    def unique(self) -> bool | Unknown:
        if self.kind == "OneToOneField" and self.django:
            return True
        primary = self.flag("primary_key", False)
        if primary is True:
            return True
        return self.flag("unique", False)

    @property
    def db_index(self) -> bool | Unknown:
        """Whether Django creates a (non-unique) index for the column."""
        default = self.django and (self.kind == "SlugField" or self.kind == "ForeignKey")
        return self.flag("db_index", default)

    @property
    def db_constraint(self) -> bool | Unknown:
        if not self.is_relation:
            return False
        return self.flag("db_constraint", True)

    def db_default(self) -> object:
        """The ``db_default`` expression, or ``MISSING``."""
        value = self.get("db_default", MISSING)
        if isinstance(value, Name) and value.last == "NOT_PROVIDED":
            return MISSING
        return value

    def column(self, name: str) -> str | Unknown:
        """The column's name: ``db_column``, else the attribute name (``<name>_id`` for keys)."""
        value = self.get("db_column", None)
        if isinstance(value, str):
            return value
        if value is not None:
            return value if isinstance(value, Unknown) else Unknown(describe(value))
        return f"{name}_id" if self.is_relation else name

    def target(self) -> str | Unknown:
        """The model a relation points to, lower-cased (``app.model``)."""
        value = self.get("to", MISSING)
        if isinstance(value, str):
            return value.lower()
        if isinstance(value, Name):
            return value.written
        return Unknown(describe(value))

    def through(self) -> object:
        return self.get("through", None)

    # -- the column type --
    def column_type(self) -> ColumnType | Unknown | None:
        """The PostgreSQL type; ``None`` for a class the linter does not know."""
        if self.call is None or not self.django:
            return None
        collation = self.get("db_collation", None)
        if self.is_relation:
            to_field = self.get("to_field", None)
            target = self.target()
            if isinstance(target, Unknown) or is_unknown(to_field):
                return Unknown("the target of the relation")
            return ColumnType("key of " + target, (to_field,) if to_field else ())
        if self.kind == "ArrayField":
            base = FieldView(self.get("base_field", MISSING))
            inner = base.column_type()
            if inner is None or isinstance(inner, Unknown):
                return inner
            return ColumnType(str(inner) + "[]", (), collation)
        known = _COLUMN_TYPES.get(self.kind)
        if known is None:
            return None
        base_name, param_names = known
        params: list[object] = []
        for param in param_names:
            value = self.get(param, None)
            if value is None and param == "max_length":
                value = _DEFAULT_MAX_LENGTH.get(self.kind)
            if _not_literal(value):
                return Unknown(f"{param}={describe(value)}")
            params.append(value)
        if _not_literal(collation):
            return Unknown(f"db_collation={describe(collation)}")
        if base_name == "varchar" and params == [None]:
            params = []
        return ColumnType(base_name, tuple(params), collation)

    def database_kwargs(self) -> dict[str, object]:
        """The keyword arguments that may change the database, for comparing third-party fields."""
        if self.call is None:
            return {}
        return {k: v for k, v in self.call.kwargs if k not in NON_DATABASE_KWARGS}


def _not_literal(value: object) -> bool:
    """Whether a type argument is not a value the linter can compare: ``settings.X``, a call, an
    expression (never compare unknowns)."""
    return (value is not None and not isinstance(value, (int, float, str))) or is_unknown(value)


#: Positional parameters of field classes whose first arguments are not ``verbose_name``.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "ForeignKey": ("to", "on_delete", "related_name"),
    "OneToOneField": ("to", "on_delete", "to_field"),
    "ManyToManyField": ("to", "related_name"),
    "ArrayField": ("base_field", "size"),
    "DecimalField": ("verbose_name", "name", "max_digits", "decimal_places"),
    "GeneratedField": (),
}


def type_change(old: ColumnType, new: ColumnType) -> str | None:
    """Why changing ``old`` to ``new`` rewrites or scans the table, or ``None`` if it does not.

    Safe (no rewrite, no scan): the same type; a longer or unlimited ``varchar``; ``varchar`` to
    ``text``; a larger ``numeric`` precision at the same scale.
    """
    if old == new:
        return None
    if old.collation != new.collation:
        return (
            f"changes the collation from {old.collation or 'the default'} to "
            f"{new.collation or 'the default'}, which rebuilds the column's indexes"
        )
    if old.base == "varchar" and new.base == "text":
        return None
    if old.base == "varchar" and new.base == "varchar":
        if not new.params:
            return None
        if old.params and _number(new.params[0]) >= _number(old.params[0]):
            return None
        if not old.params:
            return f"limits the unlimited varchar to {new}: every row is checked"
        return f"shortens {old} to {new}: every row is checked and the table rewritten"
    if old.base == "numeric" and new.base == "numeric" and len(old.params) == len(new.params) == 2:
        if old.params[1] == new.params[1] and _number(new.params[0]) >= _number(old.params[0]):
            return None
        return f"changes {old} to {new}: the table is rewritten"
    return f"changes the column type from {old} to {new}: the table is rewritten"


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else float("nan")
