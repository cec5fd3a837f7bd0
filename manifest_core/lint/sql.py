"""A small reader of PostgreSQL statements in ``RunSQL`` literals.

It is not a SQL parser: it splits a script into statements (respecting quotes, quoted
identifiers, dollar quoting and comments), turns each into tokens, and recognises the few
statement shapes that take dangerous locks or break the code still running:

* ``CREATE [UNIQUE] INDEX`` without ``CONCURRENTLY``, ``DROP INDEX`` without it, ``REINDEX``
  without it (and, for the atomic-migration rule, each of them *with* it);
* ``DROP TABLE``; ``ALTER TABLE ... DROP [COLUMN]``, ``RENAME [COLUMN] ... TO``, ``RENAME TO``,
  ``ALTER [COLUMN] ... [SET DATA] TYPE``, ``ALTER [COLUMN] ... SET NOT NULL``;
* ``ALTER TABLE ... ADD [CONSTRAINT x] CHECK|FOREIGN KEY`` without ``NOT VALID``, and
  ``ADD ... UNIQUE|PRIMARY KEY`` without ``USING INDEX`` (both scan the table under a lock);
* ``CREATE TABLE`` (statements on a table created earlier in the same script are not flagged).

Offsets are positions in the SQL string, so findings can point inside the Python literal.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

_DOLLAR_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")
#: One token (or comment, or statement end) at a time: a single regex match per token.
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
    | (?P<comment>--[^\n]*)
    | (?P<block>/\*)
    | (?P<dollar>\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$)
    | (?P<semicolon>;)
    | (?P<ident>"(?:[^"]|"")*")
    | (?P<string>'(?:[^']|'')*')
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<op>[(),.=<>!:+\-*/\[\]|&%~^@#?{}$])
    | (?P<other>.)
    """,
    re.X | re.S,
)


class Token:
    """One token: ``kind`` is ``word``, ``ident``, ``string``, ``number``, ``op`` or ``other``;
    offsets are positions in the SQL string. Immutable in use (a plain slotted class: a script
    has thousands and they are made on every keystroke)."""

    __slots__ = ("end", "kind", "start", "text", "upper")

    def __init__(self, text: str, start: int, end: int, kind: str) -> None:
        self.text = text
        self.start = start
        self.end = end
        self.kind = kind
        #: The text upper-cased for a keyword comparison (words only).
        self.upper = text.upper() if kind == "word" else text

    def __repr__(self) -> str:
        return f"Token({self.text!r}, {self.start}, {self.end}, {self.kind!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and (self.text, self.start, self.end, self.kind) == (
            other.text,
            other.start,
            other.end,
            other.kind,
        )

    def __hash__(self) -> int:
        return hash((self.text, self.start, self.end, self.kind))

    @property
    def name(self) -> str:
        """An identifier without quotes (lower-cased when it was not quoted, as PostgreSQL)."""
        if self.kind == "ident":
            return self.text[1:-1].replace('""', '"')
        return self.text.lower()


@dataclass(frozen=True)
class Statement:
    start: int
    end: int
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class Finding:
    """A dangerous statement (or clause): ``kind`` says which; offsets are in the SQL string."""

    kind: str
    message: str
    start: int
    end: int
    table: str | None = None
    column: str | None = None


def split_statements(sql: str) -> list[Statement]:
    """The statements of a script, without comments, each with its offsets."""
    statements: list[Statement] = []
    tokens: list[Token] = []
    position = 0
    length = len(sql)
    match_at = _TOKEN_RE.match
    while position < length:
        match = match_at(sql, position)
        assert match is not None  # the ``other`` alternative matches any character
        kind = match.lastgroup
        end = match.end()
        if kind == "ws" or kind == "comment":
            position = end
            continue
        if kind == "block":
            position = _block_comment_end(sql, position)
            continue
        if kind == "semicolon":
            if tokens:
                statements.append(Statement(tokens[0].start, tokens[-1].end, tuple(tokens)))
            tokens = []
            position = end
            continue
        if kind == "dollar":
            delimiter = match.group(0)
            close = sql.find(delimiter, end)
            end = length if close < 0 else close + len(delimiter)
            kind = "string"
        tokens.append(Token(sql[position:end], position, end, kind or "other"))
        position = end
    if tokens:
        statements.append(Statement(tokens[0].start, tokens[-1].end, tuple(tokens)))
    return statements


def _block_comment_end(sql: str, position: int) -> int:
    depth = 0
    while position < len(sql):
        if sql.startswith("/*", position):
            depth += 1
            position += 2
        elif sql.startswith("*/", position):
            depth -= 1
            position += 2
            if depth == 0:
                return position
        else:
            position += 1
    return position


class _Cursor:
    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def word(self, offset: int = 0) -> str:
        token = self.peek(offset)
        return token.upper if token is not None else ""

    def accept(self, *words: str) -> bool:
        """Consume ``words`` if they come next (case-insensitively)."""
        for offset, word in enumerate(words):
            if self.word(offset) != word:
                return False
        self.i += len(words)
        return True

    def name(self) -> str | None:
        """A possibly schema-qualified name; returns its last part."""
        token = self.peek()
        if token is None or token.kind not in ("word", "ident"):
            return None
        self.i += 1
        last = token.name
        while self.word() == "." and self.peek(1) is not None:
            self.i += 1
            part = self.peek()
            if part is None:
                break
            last = part.name
            self.i += 1
        return last


def created_table(statement: Statement) -> str | None:
    """The table a ``CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] name`` statement creates."""
    c = _Cursor(statement.tokens)
    if not c.accept("CREATE"):
        return None
    for word in ("TEMPORARY", "TEMP", "UNLOGGED", "GLOBAL", "LOCAL"):
        c.accept(word)
    if not c.accept("TABLE"):
        return None
    c.accept("IF", "NOT", "EXISTS")
    return c.name()


def not_null_checks(statement: Statement) -> list[tuple[str, str, str, str | None, bool]]:
    """``ALTER TABLE t ADD CONSTRAINT n CHECK (c IS NOT NULL) [NOT VALID]``, ``VALIDATE
    CONSTRAINT n`` and ``DROP CONSTRAINT n`` actions: (action, table, name, column, validated)."""
    c = _Cursor(statement.tokens)
    if not c.accept("ALTER", "TABLE"):
        return []
    c.accept("IF", "EXISTS")
    c.accept("ONLY")
    table = c.name()
    if table is None:
        return []
    found: list[tuple[str, str, str, str | None, bool]] = []
    while c.peek() is not None:
        if c.accept("ADD", "CONSTRAINT"):
            name = c.name()
            if name is None or not c.accept("CHECK", "("):
                continue
            column = c.name()
            if column is None or not c.accept("IS", "NOT", "NULL", ")"):
                continue
            validated = not c.accept("NOT", "VALID")
            found.append(("add", table, name, column, validated))
        elif c.accept("VALIDATE", "CONSTRAINT"):
            name = c.name()
            if name is not None:
                found.append(("validate", table, name, None, True))
        elif c.accept("DROP", "CONSTRAINT"):
            c.accept("IF", "EXISTS")
            name = c.name()
            if name is not None:
                found.append(("drop", table, name, None, False))
        else:
            c.i += 1
    return found


def classify(statement: Statement, new_tables: set[str]) -> list[Finding]:
    """The dangerous parts of one statement. ``new_tables`` collects tables it creates."""
    tokens = statement.tokens
    c = _Cursor(tokens)
    first = c.word()
    span = (statement.start, statement.end)
    if first == "CREATE":
        c.accept("CREATE")
        c.accept("OR", "REPLACE")
        unique = c.accept("UNIQUE")
        if c.accept("INDEX"):
            concurrently = c.accept("CONCURRENTLY")
            what = "a unique index" if unique else "an index"
            table = _index_table(c)
            if concurrently:
                return [Finding("concurrent", f"creates {what} CONCURRENTLY", *span, table=table)]
            if table is not None and table in new_tables:
                return []
            return [
                Finding(
                    "create-index",
                    f"creates {what} on {_quote(table)} without CONCURRENTLY: writes to the table "
                    "are blocked until the index is built",
                    *span,
                    table=table,
                )
            ]
        for word in ("TEMPORARY", "TEMP", "UNLOGGED", "GLOBAL", "LOCAL"):
            c.accept(word)
        if c.accept("TABLE") or c.accept("SEQUENCE"):
            c.accept("IF", "NOT", "EXISTS")
            table = c.name()
            if table:
                new_tables.add(table)
        return []
    if first == "DROP":
        c.accept("DROP")
        if c.accept("INDEX"):
            if c.accept("CONCURRENTLY"):
                return [Finding("concurrent", "drops an index CONCURRENTLY", *span)]
            c.accept("IF", "EXISTS")
            index = c.name()
            return [
                Finding(
                    "drop-index",
                    f"drops index {_quote(index)} without CONCURRENTLY: it waits for an ACCESS "
                    "EXCLUSIVE lock on the table, and every query queues behind it",
                    *span,
                )
            ]
        if c.accept("TABLE"):
            c.accept("IF", "EXISTS")
            table = c.name()
            if table is not None and table in new_tables:
                return []
            return [
                Finding(
                    "drop-table",
                    f"drops table {_quote(table)}: the code still running during the deploy "
                    "queries it and fails",
                    *span,
                    table=table,
                )
            ]
        return []
    if first == "REINDEX":
        c.accept("REINDEX")
        if c.word() == "(":
            while c.peek() is not None and c.word() != ")":
                c.i += 1
            c.accept(")")
        c.accept(c.word())  # INDEX, TABLE, SCHEMA, DATABASE, SYSTEM
        if c.accept("CONCURRENTLY"):
            return [Finding("concurrent", "rebuilds indexes CONCURRENTLY", *span)]
        return [
            Finding(
                "reindex",
                "REINDEX without CONCURRENTLY blocks writes to the table, and the reads that "
                "use its indexes, until it finishes",
                *span,
            )
        ]
    if first == "ALTER" and c.accept("ALTER", "TABLE"):
        c.accept("IF", "EXISTS")
        c.accept("ONLY")
        table = c.name()
        if table is None or table in new_tables:
            return []
        return _alter_table_actions(tokens, c.i, table)
    if first in ("UPDATE", "DELETE"):
        c.accept(first)
        if first == "DELETE" and not c.accept("FROM"):
            return []
        c.accept("ONLY")
        table = c.name()
        if table is None or table in new_tables:
            return []
        verb = "updates" if first == "UPDATE" else "deletes"
        return [Finding("dml", f"{verb} rows of {_quote(table)}", *span, table=table)]
    if first == "DO":
        findings: list[Finding] = []
        for inner in block_statements(statement):
            findings += classify(inner, new_tables)
        return findings
    return []


#: PL/pgSQL words after which a statement of a ``DO`` block's body starts.
_BLOCK_STARTS = frozenset({"BEGIN", "THEN", "ELSE", "LOOP"})
#: Statements the checks read, as they start inside a PL/pgSQL block.
_COMMANDS = frozenset({"CREATE", "DROP", "ALTER", "REINDEX", "UPDATE", "DELETE"})


def block_statements(statement: Statement) -> list[Statement]:
    """The SQL statements inside a ``DO $$ ... $$`` block (PL/pgSQL): each piece of the body
    between semicolons, from the command after ``BEGIN``/``THEN``/``ELSE``/``LOOP``, and the
    literal SQL of ``EXECUTE '...'``. Offsets stay offsets in the whole script."""
    body: Token | None = None
    for token in statement.tokens[1:]:
        if token.kind == "string" and token.text.startswith("$"):
            body = token
            break
        if token.kind == "string":
            return []  # a body in single quotes: its offsets would not map back
    if body is None:
        return []
    match = _DOLLAR_RE.match(body.text)
    if match is None:
        return []
    delimiter = match.group(0)
    start = body.start + len(delimiter)
    end = body.end - len(delimiter) if body.text.endswith(delimiter) else body.end
    found: list[Statement] = []
    sql = " " * start + body.text[len(delimiter) : end - body.start]
    for piece in split_statements(sql):
        tokens = piece.tokens
        for i, token in enumerate(tokens):
            before = tokens[i - 1].upper if i else ""
            if i and before not in _BLOCK_STARTS:
                continue
            if token.upper in _COMMANDS:
                rest = tokens[i:]
                found.append(Statement(rest[0].start, rest[-1].end, rest))
                break
            if token.upper == "EXECUTE" and i + 1 < len(tokens):
                literal = tokens[i + 1]
                if (
                    literal.kind == "string"
                    and literal.text.startswith("'")
                    and "''" not in (literal.text[1:-1])
                ):
                    inner = " " * (literal.start + 1) + literal.text[1:-1]
                    found += split_statements(inner)
                break
    return found


def _index_table(c: _Cursor) -> str | None:
    c.accept("IF", "NOT", "EXISTS")
    if c.word() != "ON":
        c.name()  # the index name
    if not c.accept("ON"):
        return None
    c.accept("ONLY")
    return c.name()


def _alter_table_actions(tokens: tuple[Token, ...], start: int, table: str) -> list[Finding]:
    """Split ``ALTER TABLE t action, action...`` at top-level commas and judge each action."""
    actions: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[start:]:
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if token.text == "," and depth == 0:
            actions.append([])
            continue
        actions[-1].append(token)
    findings: list[Finding] = []
    for action in actions:
        if action:
            finding = _alter_action(tuple(action), table)
            if finding is not None:
                findings.append(finding)
    return findings


def _alter_action(action: tuple[Token, ...], table: str) -> Finding | None:
    c = _Cursor(action)
    span = (action[0].start, action[-1].end)
    words = [t.upper for t in action]
    qtable = _quote(table)
    if c.accept("DROP"):
        if c.word() in ("CONSTRAINT", "DEFAULT", "NOT", "IDENTITY", "EXPRESSION"):
            return None
        c.accept("COLUMN")
        c.accept("IF", "EXISTS")
        column = c.name()
        return Finding(
            "drop-column",
            f"drops column {qtable}.{_quote(column)}: the code still running selects it and fails",
            *span,
            table=table,
            column=column,
        )
    if c.accept("RENAME"):
        if c.accept("TO"):
            new = c.name()
            return Finding(
                "rename-table",
                f"renames table {qtable} to {_quote(new)}: the code still running queries the "
                "old name and fails",
                *span,
                table=table,
            )
        if c.word() == "CONSTRAINT":
            return None
        c.accept("COLUMN")
        column = c.name()
        c.accept("TO")
        new = c.name()
        return Finding(
            "rename-column",
            f"renames column {qtable}.{_quote(column)} to {_quote(new)}: the code still running "
            "uses the old name and fails",
            *span,
            table=table,
            column=column,
        )
    if c.accept("ALTER"):
        c.accept("COLUMN")
        column = c.name()
        if c.accept("SET", "DATA", "TYPE") or c.accept("TYPE"):
            return Finding(
                "alter-type",
                f"changes the type of {qtable}.{_quote(column)}: unless the new type is "
                "binary-compatible, the table is rewritten under an ACCESS EXCLUSIVE lock",
                *span,
                table=table,
                column=column,
            )
        if c.accept("SET", "NOT", "NULL"):
            return Finding(
                "set-not-null",
                f"makes {qtable}.{_quote(column)} NOT NULL: the whole table is scanned under an "
                "ACCESS EXCLUSIVE lock",
                *span,
                table=table,
                column=column,
            )
        return None
    if c.accept("ADD"):
        pairs = list(itertools.pairwise(words))
        not_valid = ("NOT", "VALID") in pairs
        using_index = ("USING", "INDEX") in pairs
        if c.word() not in _CONSTRAINT_WORDS:
            c.accept("COLUMN")
            c.accept("IF", "NOT", "EXISTS")
            column = c.name()
            defaulted = any(w in ("DEFAULT", "GENERATED", *_SERIAL) for w in words)
            if ("NOT", "NULL") in pairs and not defaulted and column is not None:
                return Finding(
                    "add-not-null-column",
                    f"adds column {qtable}.{_quote(column)} NOT NULL without a DEFAULT: "
                    "PostgreSQL refuses it on a table with rows, and on an empty one the inserts "
                    "of the code still running fail",
                    *span,
                    table=table,
                    column=column,
                )
            return None
        if c.accept("CONSTRAINT"):
            c.name()
        if c.word() == "CHECK" or (c.word() == "FOREIGN" and c.word(1) == "KEY"):
            if not_valid:
                return None
            what = "a CHECK constraint" if c.word() == "CHECK" else "a foreign key"
            return Finding(
                "add-constraint",
                f"adds {what} to {qtable} without NOT VALID: every row is checked while the "
                "table is locked",
                *span,
                table=table,
            )
        if c.word() in ("UNIQUE", "PRIMARY", "EXCLUDE"):
            if using_index and c.word() != "EXCLUDE":
                return None
            kinds = {"UNIQUE": "a unique", "PRIMARY": "a primary key", "EXCLUDE": "an exclusion"}
            return Finding(
                "add-constraint",
                f"adds {kinds[c.word()]} constraint to {qtable}: its index is built while writes "
                "are blocked",
                *span,
                table=table,
            )
        return None
    return None


_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "CHECK", "FOREIGN", "UNIQUE", "PRIMARY", "EXCLUDE"})
_SERIAL = ("SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL4", "SERIAL8", "SERIAL2")


def _quote(name: str | None) -> str:
    return f'"{name}"' if name else "?"
