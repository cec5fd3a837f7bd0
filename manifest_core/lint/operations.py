"""Migration operations as the linter sees them: which class, which arguments, where.

Django's operations (``django.db.migrations``) and the PostgreSQL ones
(``django.contrib.postgres.operations``) are recognised through the module's imports, so
``migrations.AddField`` and ``from django.db.migrations import AddField`` are the same, while a
third-party or locally defined ``AddField`` is not. Arguments are bound to parameter names
following each class's signature, so positional and keyword spellings read alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from manifest_core.model import Span

from .values import MISSING, Call

#: Parameters of Django's operations, in positional order.
DJANGO_OPERATIONS: dict[str, tuple[str, ...]] = {
    "CreateModel": ("name", "fields", "options", "bases", "managers"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AlterModelTable": ("name", "table"),
    "AlterModelTableComment": ("name", "table_comment"),
    "AlterUniqueTogether": ("name", "unique_together"),
    "AlterIndexTogether": ("name", "index_together"),
    "AlterOrderWithRespectTo": ("name", "order_with_respect_to"),
    "AlterModelOptions": ("name", "options"),
    "AlterModelManagers": ("name", "managers"),
    "AddField": ("model_name", "name", "field", "preserve_default"),
    "RemoveField": ("model_name", "name"),
    "AlterField": ("model_name", "name", "field", "preserve_default"),
    "RenameField": ("model_name", "old_name", "new_name"),
    "AddIndex": ("model_name", "index"),
    "RemoveIndex": ("model_name", "name"),
    "RenameIndex": ("model_name", "new_name", "old_name", "old_fields"),
    "AddConstraint": ("model_name", "constraint"),
    "RemoveConstraint": ("model_name", "name"),
    "AlterConstraint": ("model_name", "name", "constraint"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
    "RunSQL": ("sql", "reverse_sql", "state_operations", "hints", "elidable"),
    "RunPython": ("code", "reverse_code", "atomic", "hints", "elidable"),
}

#: Parameters of ``django.contrib.postgres.operations``.
POSTGRES_OPERATIONS: dict[str, tuple[str, ...]] = {
    "AddIndexConcurrently": ("model_name", "index"),
    "RemoveIndexConcurrently": ("model_name", "name"),
    "AddConstraintNotValid": ("model_name", "constraint"),
    "ValidateConstraint": ("model_name", "name"),
    "CreateExtension": ("name", "hints"),
    "BloomExtension": ("hints",),
    "BtreeGinExtension": ("hints",),
    "BtreeGistExtension": ("hints",),
    "CITextExtension": ("hints",),
    "CryptoExtension": ("hints",),
    "HStoreExtension": ("hints",),
    "TrigramExtension": ("hints",),
    "UnaccentExtension": ("hints",),
    "CreateCollation": ("name", "locale", "provider", "deterministic"),
    "RemoveCollation": ("name", "locale", "provider", "deterministic"),
}

DJANGO_MODULES = ("django.db.migrations", "django.db.migrations.operations")
POSTGRES_MODULE = "django.contrib.postgres.operations"

#: Operations that change only Django's model state, never the database.
STATE_ONLY = frozenset({"AlterModelOptions", "AlterModelManagers"})


def classify(call: Call) -> tuple[str, str]:
    """``(family, kind)``: family ``django``, ``postgres`` or ``unknown``; kind the class name."""
    return classify_qualname(call.qualname)


def classify_qualname(qualname: str) -> tuple[str, str]:
    """:func:`classify` for a qualified class name."""
    module, _, name = qualname.rpartition(".")
    if name in DJANGO_OPERATIONS and (
        module in DJANGO_MODULES or module.startswith("django.db.migrations.operations.")
    ):
        return "django", name
    if name in POSTGRES_OPERATIONS and (
        module == POSTGRES_MODULE or module.startswith(POSTGRES_MODULE + ".")
    ):
        return "postgres", name
    return "unknown", name


@dataclass(frozen=True)
class Operation:
    """One item of a migration's ``operations`` (or of a nested operations list).

    ``kind`` is the class name (``AddField``); ``family`` says whether it is one of Django's
    operations, a ``django.contrib.postgres`` one, or ``unknown`` (a third-party or local class,
    or an expression that is not a call at all, when ``call`` is ``None``).
    """

    kind: str
    family: str
    call: Call | None
    span: Span
    #: Arguments bound to parameter names (absent ones are missing).
    params: tuple[tuple[str, object], ...] = ()
    #: Nested operations: ``SeparateDatabaseAndState`` and ``RunSQL(state_operations=...)``.
    database_operations: tuple[Operation, ...] = ()
    state_operations: tuple[Operation, ...] = ()
    #: Why the arguments could not all be bound (``*args``, an unexpected argument...).
    binding_problem: str = ""
    text: str = field(default="", compare=False)  #: the callee as written

    @property
    def known(self) -> bool:
        return self.family != "unknown"

    def param(self, name: str, default: object = MISSING) -> object:
        for key, value in self.params:
            if key == name:
                return value
        return default

    def has(self, name: str) -> bool:
        return any(key == name for key, _ in self.params)

    def param_span(self, name: str) -> Span | None:
        """The span of the argument that gave ``name``: ``name=value`` or the positional value."""
        call = self.call
        if call is None:
            return None
        span = call.kw_span(name)
        if span is not None:
            return span
        signature = _signature(self.family, self.kind)
        if name in signature:
            position = signature.index(name)
            if position < len(call.arg_spans):
                return call.arg_spans[position]
        return None

    def value_span(self, name: str) -> Span | None:
        """The span of the value of argument ``name`` (without ``name=``)."""
        call = self.call
        if call is None:
            return None
        span = call.kw_value_span(name)
        if span is not None:
            return span
        return self.param_span(name)

    @property
    def head_span(self) -> Span:
        """The callee (``migrations.AddField``), or the whole expression if it is not a call."""
        if self.call is not None and self.call.func_span is not None:
            return self.call.func_span
        return self.span


def _signature(family: str, kind: str) -> tuple[str, ...]:
    if family == "django":
        return DJANGO_OPERATIONS.get(kind, ())
    if family == "postgres":
        return POSTGRES_OPERATIONS.get(kind, ())
    return ()


def bind(call: Call, family: str, kind: str) -> tuple[tuple[tuple[str, object], ...], str]:
    """Bind a call's arguments to the operation's parameters; a problem text if some cannot be."""
    signature = _signature(family, kind)
    params: list[tuple[str, object]] = []
    problem = ""
    if len(call.args) > len(signature):
        problem = f"{kind} takes at most {len(signature)} positional arguments"
    for name, value in zip(signature, call.args, strict=False):
        params.append((name, value))
    for name, value in call.kwargs:
        if name not in signature:
            problem = problem or f"{kind} has no argument {name!r}"
            continue
        params.append((name, value))
    if call.star:
        problem = problem or "its arguments are unpacked with * or **"
    return tuple(params), problem
