"""Whether a ``db_default`` expression is volatile, for PostgreSQL.

Since PostgreSQL 11, ``ADD COLUMN ... DEFAULT <expr>`` only records the default in the catalog
when ``<expr>`` is not *volatile*: existing rows read it from there. A volatile default (one that
may return a different value on every call) must be evaluated once per existing row, so the whole
table is rewritten under an ``ACCESS EXCLUSIVE`` lock.

* Volatile: ``RandomUUID()`` (``gen_random_uuid()``), ``Random()`` (``RANDOM()``), Django 6's
  ``UUID4()``/``UUID7()``, and ``Func``/``RawSQL`` calling ``clock_timestamp()``, ``random()``,
  ``timeofday()``, ``gen_random_uuid()``, ``uuid_generate_v1()``/``v1mc()``/``v4()``,
  ``uuidv4()``/``uuidv7()``, ``nextval()``, ``random_normal()``, ``gen_random_bytes()``.
* Not volatile: literals and ``Value()``; ``Now()``, which Django renders as
  ``STATEMENT_TIMESTAMP()`` (stable); ``TransactionNow()`` (``CURRENT_TIMESTAMP``, stable); every
  other function of ``django.db.models.functions`` applied to non-volatile arguments.
* Anything else (a custom expression class, ``Func`` with a function the linter does not know)
  is *unknown*: the rule says so instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .values import Call, Dict, Name, Unknown

#: SQL functions PostgreSQL marks volatile that a column default plausibly calls.
VOLATILE_SQL_FUNCTIONS = frozenset(
    {
        "clock_timestamp",
        "random",
        "random_normal",
        "timeofday",
        "gen_random_uuid",
        "gen_random_bytes",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "nextval",
        "setseed",
    }
)
#: SQL functions that are stable or immutable (safe as defaults on PostgreSQL 11 and later).
STABLE_SQL_FUNCTIONS = frozenset(
    {
        "now",
        "statement_timestamp",
        "transaction_timestamp",
        "current_timestamp",
        "current_date",
        "current_time",
        "localtimestamp",
        "localtime",
        "lower",
        "upper",
        "concat",
        "coalesce",
        "md5",
        "to_char",
        "to_jsonb",
        "jsonb_build_object",
        "jsonb_build_array",
        "array",
        "length",
        "abs",
        "round",
    }
)
#: Django expression classes that render a volatile call.
VOLATILE_CLASSES = {
    "django.contrib.postgres.functions.RandomUUID": "gen_random_uuid",
    "django.db.models.functions.Random": "RANDOM",
    "django.db.models.functions.math.Random": "RANDOM",
    "django.db.models.functions.UUID4": "UUIDV4",
    "django.db.models.functions.UUID7": "UUIDV7",
    "django.db.models.functions.uuid.UUID4": "UUIDV4",
    "django.db.models.functions.uuid.UUID7": "UUIDV7",
}
#: Django expression classes that are never volatile themselves.
_PLAIN_CLASSES = frozenset(
    {
        "django.db.models.Value",
        "django.db.models.expressions.Value",
        "django.db.models.ExpressionWrapper",
        "django.db.models.expressions.ExpressionWrapper",
        "django.db.models.Case",
        "django.db.models.When",
        "django.db.models.Q",
        "django.contrib.postgres.functions.TransactionNow",
    }
)
_SQL_CALL_RE = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@dataclass(frozen=True)
class Volatility:
    """``verdict`` is ``volatile``, ``stable`` or ``unknown``; ``culprit`` names the cause."""

    verdict: str
    culprit: str = ""


STABLE = Volatility("stable")


def volatility(value: object) -> Volatility:
    """Classify a ``db_default`` value (see the module docstring)."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return STABLE
    if isinstance(value, (tuple, frozenset)):
        return _combine(volatility(v) for v in value)
    if isinstance(value, Dict):
        return _combine(volatility(v) for _, v in value.items)
    if isinstance(value, Name):
        return Volatility("unknown", value.written)
    if isinstance(value, Unknown):
        return Volatility("unknown", value.text)
    if not isinstance(value, Call):
        return Volatility("unknown", repr(value))
    qualname = value.qualname
    if qualname in VOLATILE_CLASSES:
        return Volatility("volatile", f"{value.written}() (SQL {VOLATILE_CLASSES[qualname]}())")
    arguments = _combine(volatility(v) for v in (*value.args, *(v for _, v in value.kwargs)))
    if qualname in ("django.db.models.Func", "django.db.models.expressions.Func"):
        function = value.kw("function", None)
        if not isinstance(function, str):
            return Volatility("unknown", f"{value.written}() without a literal function")
        return _combine((_sql_function(function, value.written), arguments))
    if qualname in ("django.db.models.expressions.RawSQL", "django.db.models.RawSQL"):
        sql = value.args[0] if value.args else value.kw("sql", None)
        if not isinstance(sql, str):
            return Volatility("unknown", f"{value.written}() without a literal SQL string")
        called = [m.group(1).lower() for m in _SQL_CALL_RE.finditer(sql)]
        for name in called:
            if name in VOLATILE_SQL_FUNCTIONS:
                return Volatility("volatile", f"{name}() in {value.written}()")
        if all(name in STABLE_SQL_FUNCTIONS for name in called):
            return _combine((STABLE, arguments))
        return Volatility("unknown", f"{value.written}({sql!r})")
    if qualname in _PLAIN_CLASSES or qualname.startswith("django.db.models.functions."):
        return arguments
    if qualname.startswith("django.db.models.") and value.name in ("F", "OuterRef", "Subquery"):
        return arguments
    return Volatility("unknown", f"{value.written}()")


def _sql_function(name: str, written: str) -> Volatility:
    lower = name.lower()
    if lower in VOLATILE_SQL_FUNCTIONS:
        return Volatility("volatile", f"{written}(function={name!r})")
    if lower in STABLE_SQL_FUNCTIONS:
        return STABLE
    return Volatility("unknown", f"{written}(function={name!r})")


def _combine(parts: Iterable[Volatility]) -> Volatility:
    unknown: Volatility | None = None
    for part in parts:
        if part.verdict == "volatile":
            return part
        if part.verdict == "unknown" and unknown is None:
            unknown = part
    return unknown or STABLE
