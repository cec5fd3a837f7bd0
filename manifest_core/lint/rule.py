"""What a rule is, and what a rule sees when it checks an operation.

A rule is a :class:`Rule`: a stable code (``ML001``), a kebab-case name, a severity, a one-line
summary, why the pattern is unsafe, the safe alternative, and a check. Operation rules name the
operation kinds they look at; the engine calls their check once per matching operation, with a
:class:`Site` (the operation, and the app's model state just before it) and the
:class:`MigrationContext` of the whole migration, through which it reports findings.

Rules never raise for odd input: when a fact they need cannot be read statically they report a
note (``unknown-prior-state``, ``unreadable-argument``) instead of guessing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from manifest_core import HOMEPAGE
from manifest_core.model import Key, Severity, Span
from manifest_core.plan import Plan
from manifest_core.text import LineIndex

from .operations import Operation
from .source import ParsedMigration
from .state import AppState, ModelState
from .values import Unknown, describe

#: Where the rule pages are published; each rule's page is ``<DOCS_BASE_URL><name>.md``.
DOCS_BASE_URL = f"{HOMEPAGE}/blob/main/docs/rules/"
#: The placeholder a suppression's reason starts as (a suppression still saying it has none).
REASON_PLACEHOLDER = "<reason>"

#: "Safe when" cases shared by the rules about an existing table.
NEW_TABLE = (
    "the table is new: created earlier in the same migration, or by a migration that is new on "
    "this branch (the `new-tables` setting)"
)
NO_TABLE = "the model has no table of its own: unmanaged, proxy, or swapped out"


@dataclass(frozen=True)
class Example:
    """A snippet for the rule's documentation: ``unsafe`` or ``safe``."""

    kind: str
    title: str
    code: str


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    #: The one-line message, as a rule page states it (findings carry a specific one).
    summary: str
    why: str
    #: The safe alternative (``hint`` in JSON, ``help`` in SARIF).
    safe: str
    #: Operation kinds the check runs on; empty for a migration-level or engine rule.
    kinds: frozenset[str] = frozenset()
    check: Callable[[Site, MigrationContext], None] | None = field(default=None, compare=False)
    check_migration: Callable[[MigrationContext], None] | None = field(default=None, compare=False)
    #: Whether the check runs on operations that only change the state (in ``state_operations``).
    state_operations: bool = False
    #: ``True`` for the linter's own notes (the ``ML9xx`` codes).
    note: bool = False
    #: Whether a finding of this rule can carry a fix.
    fixable: bool = False
    #: When the pattern is *not* reported (the "safe when" cases), for the documentation.
    not_reported: tuple[str, ...] = ()
    examples: tuple[Example, ...] = ()

    @property
    def url(self) -> str:
        return f"{DOCS_BASE_URL}{self.name}.md"

    @property
    def docs_path(self) -> str:
        return f"docs/rules/{self.name}.md"

    @property
    def anchor(self) -> str:
        """The anchor of the rule's section in ``docs/lint.md``."""
        return f"{self.code.lower()}-{self.name}"


@dataclass(frozen=True)
class Site:
    """One operation in its place: the state before it, and whether it touches the database."""

    op: Operation
    state: AppState
    #: ``False`` inside ``state_operations``: Django only updates its model state.
    database: bool
    #: Enclosing operations (a ``SeparateDatabaseAndState`` around this one), outermost first.
    parents: tuple[Operation, ...] = ()
    #: Position among every operation of the migration, nested ones included, in order.
    position: int = 0


@dataclass(frozen=True)
class Hit:
    """A finding before the engine dresses it with the rule's metadata."""

    rule: Rule
    span: Span
    message: str
    site: Site | None = None
    fix: Plan | None = None


class MigrationContext:
    """The migration being linted, its prior state and settings; rules report through it."""

    def __init__(
        self,
        parsed: ParsedMigration,
        key: Key,
        *,
        new_migrations: frozenset[Key],
        new_tables_on_branch: bool,
        swappable: Mapping[str, str],
        postgres_version: int,
        sites: list[Site],
        enabled: Callable[[Rule], bool],
        schema_editor: str = "django",
        post_deploy: bool = False,
    ) -> None:
        self.parsed = parsed
        self.path = parsed.path
        self.key = key
        self.app = key[0]
        self.new_migrations = new_migrations
        self.new_tables_on_branch = new_tables_on_branch
        self.swappable = swappable
        self.postgres_version = postgres_version
        self.sites = sites
        self.enabled = enabled
        #: The schema editor running the migrations (the ``schema-editor`` setting).
        self.schema_editor = schema_editor
        #: Whether the migration runs after the new code is deployed (its post-deploy marker):
        #: the code still running then is the new code.
        self.post_deploy = post_deploy
        self.hits: list[Hit] = []
        self._seen: set[tuple[str, Span, str]] = set()
        #: Per-migration memo for rules (keyed by the rule's own keys).
        self.cache: dict[object, object] = {}

    @property
    def index(self) -> LineIndex:
        return self.parsed.index

    @property
    def atomic(self) -> bool:
        """Whether the migration runs in one transaction (an unreadable value counts as yes)."""
        return self.parsed.atomic is not False

    # -- reporting --
    def report(
        self,
        rule: Rule,
        span: Span | None,
        message: str,
        site: Site | None = None,
        fix: Plan | None = None,
    ) -> None:
        if not self.enabled(rule):
            return
        where = span or (site.op.head_span if site else None) or Span(1, 0, 1, 0)
        seen = (rule.code, where, message)
        if seen in self._seen:
            return
        self._seen.add(seen)
        self.hits.append(Hit(rule, where, message, site, fix))

    def unknown_prior(self, site: Site, span: Span | None, what: str) -> None:
        """Report that a fact about the earlier state is missing (``unknown-prior-state``)."""
        from .rules.notes import UNKNOWN_PRIOR_STATE

        caveats = site.state.caveats
        because = ""
        if caveats:
            because = f" ({caveats[-1]}" + (
                f", and {len(caveats) - 1} more" if len(caveats) > 1 else ""
            )
            because += ")"
        self.report(UNKNOWN_PRIOR_STATE, span, f"{what}{because}", site)

    def unreadable(self, site: Site, span: Span | None, what: str) -> None:
        from .rules.notes import UNREADABLE_ARGUMENT

        self.report(UNREADABLE_ARGUMENT, span, what, site)

    # -- questions about models and tables --
    def is_new_model(self, model: ModelState) -> bool:
        """Whether the model's table is new: created in this migration, or (by default) by a
        migration on this branch, so no deployed code uses it and it holds no production rows."""
        if model.created_by is None:
            return False
        if model.created_by == self.key:
            return True
        return self.new_tables_on_branch and model.created_by in self.new_migrations

    def is_new_key(self, key: Key | None) -> bool:
        """Whether what migration ``key`` created is new (this migration, or per ``new-tables``
        a migration new on this branch)."""
        if key is None:
            return False
        return key == self.key or (self.new_tables_on_branch and key in self.new_migrations)

    def model_of(self, site: Site, param: str = "model_name") -> ModelState | None:
        """The model an operation names, or ``None`` after reporting why it is not known."""
        name = site.op.param(param)
        if not isinstance(name, str):
            self.unreadable(
                site,
                site.op.value_span(param) or site.op.head_span,
                f"{site.op.kind}.{param} is {describe(name)}, not a string literal: "
                "the linter cannot tell which model it changes",
            )
            return None
        model = site.state.model(name)
        if model is None:
            self.unknown_prior(
                site,
                site.op.value_span(param) or site.op.head_span,
                f"the model {self.app}.{name} is not in the state replayed from the earlier "
                "migrations, so the linter cannot tell whether its table already exists",
            )
        return model

    def existing_table(self, site: Site, param: str = "model_name") -> ModelState | None:
        """The model whose existing table the operation changes, else ``None``.

        ``None`` when the table is new (created in this migration or on this branch), when
        the model has no table of its own (unmanaged, proxy, swapped out), or when it is not
        known (after reporting a note). Memoised per operation: several rules ask.
        """
        memo = ("existing_table", site.position, param)
        if memo in self.cache:
            found = self.cache[memo]
            return found if isinstance(found, ModelState) else None
        model = self._existing_table(site, param)
        self.cache[memo] = model
        return model

    def _existing_table(self, site: Site, param: str) -> ModelState | None:
        model = self.model_of(site, param)
        if model is None:
            return None
        has_table = model.has_table(self.swappable, self.app)
        if has_table is None:
            self.unreadable(
                site,
                site.op.value_span(param),
                f"the options managed/proxy of {self.app}.{model.name} are not literals: "
                "the linter cannot tell whether it has a table",
            )
            return None
        if not has_table or self.is_new_model(model):
            return None
        return model

    def table(self, model: ModelState) -> str:
        table = model.table(self.app)
        return f'"{table}"' if isinstance(table, str) else f"the table of {model.name}"

    def column_ref(self, model: ModelState, column: str | Unknown) -> str:
        table = model.table(self.app)
        if isinstance(table, str) and isinstance(column, str):
            return f'"{table}"."{column}"'
        return f"{model.name}.{column}"
