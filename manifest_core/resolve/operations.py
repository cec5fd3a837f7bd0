"""What a migration's operations change, read statically: which models and fields.

Renumbering puts one branch's migrations after the other's, which is only right if their changes
are independent. When both branches touch the same model or field, resolve warns: the order is
now decided, but the two changes may still clash (the same field added twice, a field altered on
one side and removed on the other).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from manifest_core.model import Span
from manifest_core.text import LineIndex, parse_module

#: Operation class -> (positional parameters, which of them name the model, which name fields).
_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "CreateModel": (("name", "fields"), ("name",), ()),
    "DeleteModel": (("name",), ("name",), ()),
    "RenameModel": (("old_name", "new_name"), ("old_name", "new_name"), ()),
    "AlterModelTable": (("name", "table"), ("name",), ()),
    "AlterModelTableComment": (("name", "table_comment"), ("name",), ()),
    "AlterUniqueTogether": (("name", "unique_together"), ("name",), ()),
    "AlterIndexTogether": (("name", "index_together"), ("name",), ()),
    "AlterOrderWithRespectTo": (("name", "order_with_respect_to"), ("name",), ()),
    "AlterModelOptions": (("name", "options"), ("name",), ()),
    "AlterModelManagers": (("name", "managers"), ("name",), ()),
    "AddField": (("model_name", "name", "field"), ("model_name",), ("name",)),
    "RemoveField": (("model_name", "name"), ("model_name",), ("name",)),
    "AlterField": (("model_name", "name", "field"), ("model_name",), ("name",)),
    "RenameField": (
        ("model_name", "old_name", "new_name"),
        ("model_name",),
        ("old_name", "new_name"),
    ),
    "AddIndex": (("model_name", "index"), ("model_name",), ()),
    "RemoveIndex": (("model_name", "name"), ("model_name",), ()),
    "RenameIndex": (("model_name", "new_name", "old_name", "old_fields"), ("model_name",), ()),
    "AddConstraint": (("model_name", "constraint"), ("model_name",), ()),
    "RemoveConstraint": (("model_name", "name"), ("model_name",), ()),
    "AlterConstraint": (("model_name", "name", "constraint"), ("model_name",), ()),
}


@dataclass(frozen=True)
class Touch:
    """One operation's target: a model (``field`` empty) or a model's field."""

    operation: str
    model: str  #: lower case, as Django compares model names
    field: str
    span: Span | None


def touches(text: str) -> list[Touch]:
    """Every model and field the ``Migration.operations`` list changes (empty if unreadable)."""
    try:
        tree = parse_module(text)
    except (SyntaxError, ValueError):
        return []
    index = LineIndex(text)
    found: list[Touch] = []
    for stmt in tree.body:
        if not (isinstance(stmt, ast.ClassDef) and stmt.name == "Migration"):
            continue
        for item in stmt.body:
            if not (
                isinstance(item, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id == "operations" for t in item.targets)
                and isinstance(item.value, (ast.List, ast.Tuple))
            ):
                continue
            for call in item.value.elts:
                found.extend(_call_touches(call, index))
    return found


def _call_touches(node: ast.expr, index: LineIndex) -> list[Touch]:
    if not isinstance(node, ast.Call):
        return []
    func = node.func
    name = (
        func.attr
        if isinstance(func, ast.Attribute)
        else func.id
        if isinstance(func, ast.Name)
        else ""
    )
    signature = _SIGNATURES.get(name)
    if signature is None:
        return []
    params, model_params, field_params = signature
    values: dict[str, str] = {}
    for position, arg in enumerate(node.args[: len(params)]):
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            values[params[position]] = arg.value
    for keyword in node.keywords:
        value = keyword.value
        if keyword.arg and isinstance(value, ast.Constant) and isinstance(value.value, str):
            values[keyword.arg] = value.value
    span = Span(
        node.lineno,
        index.utf8_to_column(node.lineno, node.col_offset),
        node.end_lineno or node.lineno,
        index.utf8_to_column(node.end_lineno or node.lineno, node.end_col_offset or 0),
    )
    touched: list[Touch] = []
    for model_param in model_params:
        model = values.get(model_param)
        if not model:
            continue
        fields = [values[p] for p in field_params if values.get(p)]
        if fields:
            touched.extend(Touch(name, model.lower(), f, span) for f in fields)
        else:
            touched.append(Touch(name, model.lower(), "", span))
    return touched
