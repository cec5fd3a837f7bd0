"""Navigation: hovers, document links, go-to-definition and code lenses. Run on the worker.

Everything is read from the index: a file's references with their spans
(:meth:`WorkspaceIndex.read_file`), the graph of its component, and, for a hover, the target
migration's operations as the linter's reader sees them (``ast``, never an import).
"""

from __future__ import annotations

from dataclasses import dataclass

from manifest_core.lint import Finding
from manifest_core.lint.rules import find_rule
from manifest_core.lint.source import parse_source
from manifest_core.lint.values import Call
from manifest_core.model import Key, Ref, Span

from .positions import contains
from .project import ProjectState

#: Operations listed in a hover, at most.
MAX_OPERATIONS = 12


@dataclass(frozen=True)
class Target:
    """What a reference in a migration file points at."""

    ref: Ref
    attribute: str  #: ``dependencies``, ``replaces`` or ``run_before``
    key: Key  #: as written (swappable settings resolved)
    resolved: Key | None  #: the node Django uses (``__first__``/``__latest__`` resolved)
    path: str | None  #: the target's file, when it is in the repository
    span: Span | None  #: its ``class Migration``


def references(state: ProjectState, path: str) -> list[Target]:
    """Every reference of a migration file, with where it points."""
    index = state.index
    if index is None or index.app_of(path) is None:
        return []
    document = state.open.get(path)
    if document is not None and (document.detached or document.large):
        return []
    migration = index.read_file(path)
    found = []
    for attribute in ("dependencies", "replaces", "run_before"):
        for ref in getattr(migration, attribute):
            app, name = ref.app, ref.name
            if ref.setting:
                model = index.config.swappable.get(ref.setting, "")
                app, name = model.split(".", 1)[0], "__first__"
            if not app:
                continue
            key = (app, name)
            resolved: Key | None = None
            target_path = target_span = None
            if app in index.apps:
                graph = index.graph(app)
                resolved = graph.special.get(key, key)
                if resolved not in graph.migrations and resolved in graph.replaced_by:
                    resolved = graph.replaced_by[resolved]  # a replaced file that is gone
                target = graph.migrations.get(resolved)
                if target is not None:
                    target_path, target_span = target.path, target.decl.class_span
            found.append(Target(ref, attribute, key, resolved, target_path, target_span))
    return found


def reference_at(state: ProjectState, path: str, line: int, column: int) -> Target | None:
    for target in references(state, path):
        if contains(target.ref.span, line, column):
            return target
    return None


def finding_at(findings: tuple[Finding, ...], line: int, column: int) -> Finding | None:
    """The finding under the cursor: the narrowest whose span, or operation, holds it."""
    hits = [f for f in findings if contains(f.span, line, column)]
    if not hits:
        hits = [f for f in findings if contains(f.operation_span, line, column)]
    if not hits:
        return None
    return min(hits, key=lambda f: (f.span.end_line - f.span.line, f.span.end_column))


def finding_hover(finding: Finding) -> str:
    rule = find_rule(finding.code)
    parts = [f"**{finding.code} `{finding.name}`** ({finding.severity.label})", finding.message]
    if rule is not None:
        parts.append(f"**Why:** {rule.why}")
    parts.append(f"**Safe alternative:** {finding.hint or (rule.safe if rule else '')}")
    if finding.fix is not None:
        parts.append(f"**Quick fix:** {finding.fix.title}")
    parts.append(
        f"[{finding.name} documentation]({finding.url}) · suppress with "
        f"`# migration-manifest: ignore[{finding.name}] -- <reason>`"
    )
    return "\n\n".join(parts)


def reference_hover(state: ProjectState, target: Target) -> str:
    app, name = target.key
    what = {"dependencies": "depends on", "replaces": "replaces", "run_before": "runs before"}
    lines = [f"**{app}.{name}** ({what[target.attribute]})"]
    index = state.index
    assert index is not None
    if target.resolved is not None and target.resolved != target.key:
        lines[0] += f" → **{target.resolved[0]}.{target.resolved[1]}**"
    if app not in index.apps:
        lines.append("An app outside this repository (Django's, or a third-party app).")
        return "\n\n".join(lines)
    if target.path is None:
        lines.append(f"No such migration in `{index.apps[app].path}`.")
        return "\n\n".join(lines)
    lines.append(f"`{target.path}` · {status(state, target.resolved or target.key)}")
    text = state.text_of(target.path)
    if text is None:
        lines.append("The file cannot be read.")
        return "\n\n".join(lines)
    parsed = parse_source(target.path, text)
    if not parsed.ok:
        lines.append("The file does not parse: its operations cannot be read.")
        return "\n\n".join(lines)
    operations = [describe_operation(op) for op in parsed.operations]
    if not operations:
        lines.append("No operations.")
    else:
        shown = [f"- {text}" for text in operations[:MAX_OPERATIONS]]
        if len(operations) > MAX_OPERATIONS:
            shown.append(f"- … and {len(operations) - MAX_OPERATIONS} more")
        lines.append("Operations:\n" + "\n".join(shown))
    return "\n\n".join(lines)


def describe_operation(operation: object) -> str:
    kind = getattr(operation, "kind", "?")
    param = getattr(operation, "param", None)
    if param is None:
        return f"`{kind}`"
    model, name, field = param("model_name"), param("name"), param("field")
    text = f"`{kind}`"
    if isinstance(model, str) and isinstance(name, str):
        text += f" {model}.{name}"
    elif isinstance(name, str):
        text += f" {name}"
    elif isinstance(model, str):
        text += f" {model}"
    if isinstance(field, Call):
        text += f": `{field.written}`"
    return text


def status(state: ProjectState, key: Key) -> str:
    """Where a migration stands in its app: head, in conflict, or how far from the head."""
    index = state.index
    assert index is not None
    graph = index.graph(key[0])
    leaves = graph.leaves.get(key[0], ())
    if key in graph.replaced_by:
        squash = graph.replaced_by[key]
        return f"replaced by {squash[1]}"
    if key in leaves:
        if len(leaves) == 1:
            return f"head of {key[0]}"
        others = ", ".join(leaf[1] for leaf in leaves if leaf != key)
        return f"conflicts with {others}"
    after = sum(1 for k in graph.descendants(key) if k[0] == key[0])
    return f"{after} migration{'s' if after != 1 else ''} after this one"


@dataclass(frozen=True)
class Lens:
    span: Span
    title: str
    #: Where the lens leads: (path, span), if anywhere.
    target: tuple[str, Span | None] | None


def lenses(state: ProjectState, path: str) -> list[Lens]:
    """The code lens on ``class Migration``: head of the app, the conflicting leaves, or how
    many migrations follow."""
    index = state.index
    if index is None:
        return []
    label = index.app_of(path)
    decl = index.decls.get(path)
    if label is None or label not in index.apps or decl is None or decl.class_span is None:
        return []
    graph = index.graph(label)
    key = (label, decl.name)
    if key not in graph.migrations:
        return []
    span = decl.class_span
    leaves = graph.leaves.get(label, ())
    if key in graph.replaced_by:
        squash = graph.migrations.get(graph.replaced_by[key])
        target = (squash.path, squash.decl.class_span) if squash else None
        return [Lens(span, f"replaced by {graph.replaced_by[key][1]}", target)]
    if key in leaves and len(leaves) > 1:
        found = []
        for leaf in leaves:
            if leaf == key:
                continue
            other = graph.migrations.get(leaf)
            target = (other.path, other.decl.class_span) if other else None
            found.append(Lens(span, f"conflicts with {leaf[0]}.{leaf[1]}", target))
        return found
    if key in leaves:
        entry = index.manifest.entries.get(label)
        target = None
        if entry is not None:
            line = entry.head_line or entry.line
            target = (index.manifest.path, Span.point(line))
        return [Lens(span, f"head of {label}", target)]
    after = sorted(k for k in graph.descendants(key) if k[0] == label)
    heads = [leaf for leaf in leaves if leaf in set(after)]
    head = graph.migrations.get(heads[0]) if heads else None
    target = (head.path, head.decl.class_span) if head else None
    noun = "migration" if len(after) == 1 else "migrations"
    return [Lens(span, f"{len(after)} {noun} after this one", target)]
