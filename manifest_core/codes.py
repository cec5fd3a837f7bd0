"""Every problem the core reports, with its stable code, name, severity and default hint.

Codes never change meaning. ``MM0xx`` concern ``migrations.toml``; ``MM1xx`` concern migration
files and the migration graph; ``MM2xx`` are why ``resolve`` refuses a plan, or warns about one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Location, Problem, Severity, Span

UPDATE = "python -m manifest_core update"
RESOLVE = "python -m manifest_core resolve"


@dataclass(frozen=True)
class Code:
    code: str
    name: str
    severity: Severity
    summary: str
    hint: str = ""

    def problem(
        self,
        path: str,
        span: Span | None,
        message: str,
        *,
        hint: str | None = None,
        related: tuple[Location, ...] = (),
        severity: Severity | None = None,
        app: str | None = None,
    ) -> Problem:
        return Problem(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            path=path,
            span=span,
            hint=self.hint if hint is None else hint,
            related=related,
            app=app,
        )


ALL: dict[str, Code] = {}


def _code(code: str, name: str, severity: Severity, summary: str, hint: str = "") -> Code:
    value = Code(code, name, severity, summary, hint)
    ALL[code] = value
    return value


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741

# --- migrations.toml ---------------------------------------------------------------------------
MANIFEST_MISSING = _code(
    "MM001", "manifest-missing", E, "migrations.toml does not exist", f"run `{UPDATE}` to create it"
)
MANIFEST_CONFLICT = _code(
    "MM002",
    "manifest-conflict",
    E,
    "migrations.toml contains git conflict markers",
    f"if both branches added migrations to an app, run `{RESOLVE}`; otherwise fix the "
    f"migrations and run `{UPDATE}`, which rewrites the file from disk",
)
MANIFEST_INVALID = _code(
    "MM003",
    "manifest-invalid",
    E,
    "migrations.toml is not valid TOML or not in the expected shape",
    f"fix the line, or delete the file and run `{UPDATE}`",
)
MANIFEST_DUPLICATE = _code(
    "MM004",
    "manifest-duplicate-key",
    E,
    "migrations.toml declares a key or table twice",
    f"delete one of the two, or run `{UPDATE}`",
)
APP_NOT_IN_MANIFEST = _code(
    "MM005",
    "app-not-in-manifest",
    E,
    "an app with migrations is missing from migrations.toml",
    f"run `{UPDATE}`",
)
UNKNOWN_APP = _code(
    "MM006",
    "unknown-app",
    E,
    "migrations.toml names an app that has no migrations on disk",
    f"run `{UPDATE}` to drop it, or restore the app's migrations",
)
STALE_HEAD = _code(
    "MM007",
    "stale-head",
    E,
    "an app's head in migrations.toml is not its latest migration",
    f"run `{UPDATE}`",
)
WRONG_PATH = _code(
    "MM008",
    "wrong-path",
    E,
    "an app's path in migrations.toml is not where its migrations are",
    f"run `{UPDATE}`",
)
MULTIPLE_LEAVES = _code(
    "MM009",
    "multiple-leaves",
    E,
    "an app has more than one leaf migration",
    f"run `{RESOLVE}` to renumber one branch's migrations after the other's",
)
PATH_OUTSIDE_ROOT = _code(
    "MM010",
    "path-outside-repository",
    E,
    "a path in migrations.toml points outside the repository",
    "paths are relative to the repository root and must stay inside it",
)

# --- migration files and the graph ---------------------------------------------------------------
SYNTAX_ERROR = _code(
    "MM100",
    "syntax-error",
    W,
    "a migration file does not parse on the running Python",
    "expected when the project targets a newer Python; otherwise fix the syntax error",
)
MIGRATION_CONFLICT_MARKERS = _code(
    "MM101",
    "migration-conflict-markers",
    E,
    "a migration file contains git conflict markers",
    "finish the git merge in this file first: keep one side or combine them by hand",
)
NO_MIGRATION_CLASS = _code(
    "MM102",
    "no-migration-class",
    E,
    "a module in a migrations package defines no Migration class",
    "Django raises BadMigrationError for it: move it out of the package or prefix its name with _",
)
UNREADABLE_VALUE = _code(
    "MM103",
    "unreadable-value",
    W,
    "a Migration attribute is not a literal the static reader can evaluate",
    "write dependencies, replaces and run_before as literal lists of (app_label, name) pairs",
)
UNDECODABLE_FILE = _code(
    "MM104",
    "undecodable-file",
    E,
    "a migration file is not text Python can read",
    "save it as UTF-8, or remove it if it is not a migration",
)
UNREADABLE_FILE = _code(
    "MM105",
    "unreadable-file",
    E,
    "a migration file cannot be opened",
    "check the file's permissions, or whether it is a broken or looping symbolic link",
)
UNKNOWN_SWAPPABLE = _code(
    "MM106",
    "unknown-swappable-setting",
    W,
    "a swappable dependency names a setting the reader does not know",
    "declare it under [tool.django-migration-manifest.swappable] in pyproject.toml",
)
SUSPICIOUS_APP = _code(
    "MM107",
    "unknown-app-reference",
    W,
    "a dependency names an app that is not in the repository but looks like one that is",
    "check the app label for a typo",
)
MISSING_DEPENDENCY = _code(
    "MM110",
    "missing-dependency",
    E,
    "a migration depends on a migration that does not exist",
    "fix the reference, or restore the missing migration",
)
CIRCULAR_DEPENDENCY = _code(
    "MM111",
    "circular-dependency",
    E,
    "migrations depend on each other in a cycle",
    "remove one of the dependencies in the cycle",
)
NESTED_SQUASH = _code(
    "MM112",
    "nested-squash",
    E,
    "a squashed migration replaces another squashed migration that still lists replaces",
    "Django loads squashes in arbitrary order and may fail with NodeNotFoundError: "
    "delete the inner squash's replaced migrations and its `replaces`, then squash again",
)
DUPLICATE_LABEL = _code(
    "MM113",
    "duplicate-label",
    E,
    "two migration folders claim the same app label",
    "exclude one folder, or give it its own label under "
    "[tool.django-migration-manifest.labels] in pyproject.toml",
)
NOT_A_PACKAGE = _code(
    "MM114",
    "migrations-not-a-package",
    I,
    "a migrations module or folder that Django treats as 'no migrations'",
    "add an __init__.py to make it a migrations package, if it is meant to be one",
)
ORDER_DEPENDENT = _code(
    "MM116",
    "order-dependent-reference",
    W,
    "a __first__ or __latest__ dependency whose target depends on Django's load order",
    "depend on a named migration instead, or restore (or rename) the missing migration that "
    "Django may pick first",
)
DANGLING_REPLACEMENT = _code(
    "MM115",
    "invalid-replacement",
    E,
    "a squashed migration cannot be applied as Django would",
    "check the squashed migration's `replaces` list",
)
TOO_DEEPLY_NESTED = _code(
    "MM121",
    "too-deeply-nested",
    E,
    "a migration file holds an expression nested deeper than Python can compile",
    "Python raises RecursionError compiling it, so Django cannot load the migration: split the "
    "expression into smaller ones (a list of parts joined at run time)",
)
UNREADABLE_FOLDER = _code(
    "MM122",
    "unreadable-folder",
    E,
    "a folder cannot be listed (no permission), so its migrations cannot be known",
    "give your user read and search permission on it (chmod u+rx), or exclude it under "
    "[tool.django-migration-manifest] exclude in pyproject.toml",
)
UNDECODABLE_FILE_NAME = _code(
    "MM123",
    "undecodable-file-name",
    E,
    "a file or folder name is not valid UTF-8",
    "rename it with a UTF-8 name: Django records migration names as text in the database",
)
REPLACED_DEPENDENCY = _code(
    "MM124",
    "replaced-dependency",
    W,
    "a migration depends on a migration that exists only in a squashed migration's replaces",
    "Django follows the squash today, but the dependency breaks when the squash's replaces is "
    "removed: point the dependency at the squashed migration instead (on a branch, `resolve` "
    "does it and numbers the migration after the squash)",
)

# --- resolve -------------------------------------------------------------------------------------
RESOLVE_TARGET_EXISTS = _code(
    "MM201",
    "resolve-target-exists",
    E,
    "a migration resolve would rename or create already exists",
    "resolve never overwrites a file: move or delete the file in the way, or use "
    "`--strategy merge`",
)
RESOLVE_UNPARSABLE = _code(
    "MM202",
    "resolve-unparsable-migration",
    E,
    "a migration resolve must move or edit does not parse",
    "fix the syntax error, or run resolve with the Python version the project uses",
)
RESOLVE_NOT_LITERAL = _code(
    "MM203",
    "resolve-reference-not-literal",
    E,
    "a reference to a migration that moves is not a plain string literal",
    "write the reference as ('app_label', 'migration_name') so it can be rewritten",
)
RESOLVE_SIDE_UNKNOWN = _code(
    "MM204",
    "resolve-side-unknown",
    E,
    "resolve cannot tell which branch's migrations should move",
    "pass `--move ours` or `--move theirs`, or use `--strategy merge`, which moves nothing",
)
RESOLVE_BOTH_ON_DEFAULT = _code(
    "MM205",
    "resolve-both-sides-deployed",
    E,
    "both branches' migrations are already on the default branch",
    "migrations on the default branch must keep their names: use `--strategy merge`",
)
RESOLVE_UNSUPPORTED_SHAPE = _code(
    "MM206",
    "resolve-unsupported-conflict",
    E,
    "an app's leaves are not two branches resolve can put one after the other",
    "use `--strategy merge`, which writes a merge migration depending on every leaf",
)
RESOLVE_SAME_MODEL = _code(
    "MM207",
    "resolve-same-model",
    W,
    "both branches change the same model or field",
    "renumbering orders the migrations but cannot reconcile them: review both changes, then "
    "run `manage.py makemigrations --check` and `manage.py migrate`",
)
RESOLVE_MOVES_DEFAULT = _code(
    "MM208",
    "resolve-moves-default-branch",
    W,
    "--move renames migrations that are on the default branch",
    "databases deployed from the default branch recorded the old names; prefer the default, "
    "or `--strategy merge`",
)
RESOLVE_APPLIED = _code(
    "MM209",
    "resolve-applied-migrations",
    E,
    "the database applied migrations that would move",
    "roll them back while their files still have the old names, then run resolve again",
)
RESOLVE_MISSING_HEAD = _code(
    "MM210",
    "resolve-missing-head",
    E,
    "migrations.toml records a head whose migration file is missing",
    "restore the file (for example `git checkout MERGE_HEAD -- <path>`), or fix the migrations "
    f"and run `{UPDATE}`",
)
RESOLVE_UNSAFE = _code(
    "MM211",
    "resolve-unsafe-result",
    E,
    "the planned resolution would not leave a valid migration graph",
    "use `--strategy merge`, or resolve this app by hand",
)
