"""What PostgreSQL really does when it runs a migration's statements, observed from outside.

* **Locks**: the statements run on one connection, in one transaction held open for an atomic
  migration; a second connection reads ``pg_locks`` for the first one's backend. A statement that
  cannot run in a transaction (``CONCURRENTLY``) runs in autocommit while a third connection holds
  an open transaction that writes to the table: the statement then waits for it, and what it holds
  or waits for meanwhile is read the same way.
* **Blocking**: while those locks are held (or queued for), a probe connection tries a read
  (``SELECT``) and a write (``DELETE ... WHERE false``) on the table with a short
  ``lock_timeout``: a probe that times out was blocked.
* **Rewrite**: the table's ``relfilenode`` before and after (a new file is a rewritten table).
* **Scan**: the sequential scans counted in the transaction (``pg_stat_xact_user_tables``): a
  validation, a rewrite or an index build reads the table; a catalog-only change does not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg

#: Table lock modes, weakest first (PostgreSQL's "Table-Level Locks").
MODES = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
PROBE_TIMEOUT = "20ms"
WAIT_LIMIT = 20.0


@dataclass
class Observation:
    #: The error PostgreSQL raised (its psycopg class name, e.g. ``NotNullViolation``), if any.
    error: str | None = None
    #: The strongest lock mode held or queued for, by table.
    locks: dict[str, str] = field(default_factory=dict)
    #: By table: whether a read, and a write, from another session had to wait.
    reads_blocked: dict[str, bool] = field(default_factory=dict)
    writes_blocked: dict[str, bool] = field(default_factory=dict)
    #: The tables whose storage was rewritten (a new ``relfilenode``).
    rewritten: set[str] = field(default_factory=set)
    #: The tables read by sequential scans (``None``: not observable, outside a transaction).
    scanned: set[str] | None = None
    #: For each follow-up statement, the error it raised or ``"ok"``.
    after: list[str] = field(default_factory=list)


def strongest(modes: Sequence[str]) -> str:
    return max(modes, key=MODES.index)


def connect(conninfo: str, *, autocommit: bool) -> psycopg.Connection[Any]:
    return psycopg.connect(conninfo, autocommit=autocommit)


@contextmanager
def connections(conninfo: str, count: int) -> Iterator[list[psycopg.Connection[Any]]]:
    opened = [connect(conninfo, autocommit=True) for _ in range(count)]
    try:
        yield opened
    finally:
        for connection in opened:
            connection.close()


def tables(connection: psycopg.Connection[Any]) -> dict[int, tuple[str, int]]:
    """The user tables (not Django's own): oid to (name, relfilenode), committed state."""
    rows = connection.execute(
        "SELECT c.oid, c.relname, c.relfilenode FROM pg_class c"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'django_migrations'"
    ).fetchall()
    return {int(oid): (str(name), int(node)) for oid, name, node in rows}


def table_locks(
    observer: psycopg.Connection[Any], pid: int, known: dict[int, tuple[str, int]]
) -> dict[str, str]:
    rows = observer.execute(
        "SELECT relation, mode FROM pg_locks WHERE pid = %s AND locktype = 'relation'", [pid]
    ).fetchall()
    found: dict[str, list[str]] = {}
    for relation, mode in rows:
        if relation in known:
            found.setdefault(known[relation][0], []).append(str(mode))
    return {name: strongest(modes) for name, modes in found.items()}


def probe(connection: psycopg.Connection[Any], table: str, sql: str) -> bool:
    """Whether ``sql`` on ``table`` had to wait for a lock (it is rolled back either way)."""
    quoted = f'"{table}"'
    try:
        with connection.transaction():
            connection.execute(f"SET LOCAL lock_timeout = '{PROBE_TIMEOUT}'")
            connection.execute(sql.format(table=quoted))
            raise _Rollback
    except _Rollback:
        return False
    except psycopg.errors.LockNotAvailable:
        return True


class _Rollback(Exception):
    pass


def probe_all(
    observation: Observation, connection: psycopg.Connection[Any], names: Sequence[str]
) -> None:
    for name in names:
        observation.reads_blocked[name] = probe(connection, name, "SELECT FROM {table} WHERE false")
        observation.writes_blocked[name] = probe(
            connection, name, "DELETE FROM {table} WHERE false"
        )


def scans(cursor: psycopg.Cursor[Any]) -> dict[int, int]:
    rows = cursor.execute("SELECT relid, seq_scan FROM pg_stat_xact_user_tables").fetchall()
    return {int(relid): int(count) for relid, count in rows}


def run_atomic(
    conninfo: str,
    statements: Sequence[str],
    *,
    before: Sequence[str] = (),
    after: Sequence[str] = (),
) -> Observation:
    """Run the statements in one transaction, observe it while it is open, then roll it back."""
    scanned: set[str] = set()
    observation = Observation(scanned=scanned)
    with connections(conninfo, 2) as (observer, prober):
        known = tables(observer)
        with connect(conninfo, autocommit=False) as runner, runner.cursor() as cursor:
            pid = runner.info.backend_pid
            for sql in before:
                cursor.execute(sql)
            counted = scans(cursor)
            try:
                for sql in statements:
                    cursor.execute(sql)
            except psycopg.Error as error:
                observation.error = type(error).__name__
                runner.rollback()
                return observation
            observation.locks = table_locks(observer, pid, known)
            probe_all(observation, prober, sorted(observation.locks))
            nodes = dict(
                cursor.execute(
                    "SELECT oid, relfilenode FROM pg_class WHERE oid = ANY(%s)", [list(known)]
                ).fetchall()
            )
            for oid, (name, node) in known.items():
                if oid in nodes and nodes[oid] != node:
                    observation.rewritten.add(name)
            for oid, count in scans(cursor).items():
                if oid in known and count > counted.get(oid, 0):
                    scanned.add(known[oid][0])
            for sql in after:
                observation.after.append(_attempt(runner, sql))
            runner.rollback()
    return observation


def _attempt(connection: psycopg.Connection[Any], sql: str) -> str:
    """Run ``sql`` (in a savepoint, inside a transaction); its error's name, or ``"ok"``."""
    try:
        if connection.autocommit:
            connection.execute(sql)
        else:
            with connection.transaction():
                connection.execute(sql)
    except psycopg.Error as error:
        return type(error).__name__
    return "ok"


def run_outside_transaction(conninfo: str, statements: Sequence[str], table: str) -> Observation:
    """Run each statement in autocommit while another session is writing to ``table``.

    A statement that conflicts with writers waits for that session; meanwhile, the locks it holds
    or queues for are read and the probes run. Then the writer finishes and the statement too.
    """
    observation = Observation()
    with connections(conninfo, 3) as (observer, prober, writer):
        known = tables(observer)
        for sql in statements:
            runner = connect(conninfo, autocommit=True)
            pid = runner.info.backend_pid
            outcome: list[str] = []
            with writer.transaction():
                writer.execute(f'DELETE FROM "{table}" WHERE false')
                thread = threading.Thread(target=_run_into, args=(outcome, runner, sql))
                thread.start()
                if _waits(observer, pid, thread):
                    for name, mode in table_locks(observer, pid, known).items():
                        held = observation.locks.get(name)
                        observation.locks[name] = strongest([mode, held] if held else [mode])
                    probe_all(observation, prober, sorted(observation.locks))
            thread.join(WAIT_LIMIT)
            runner.close()
            if outcome and outcome[0] != "ok":
                observation.error = outcome[0]
                break
        for oid, (name, node) in known.items():
            now = observer.execute("SELECT relfilenode FROM pg_class WHERE oid = %s", [oid])
            row = now.fetchone()
            if row is not None and row[0] != node:
                observation.rewritten.add(name)
    return observation


def _run_into(outcome: list[str], connection: psycopg.Connection[Any], sql: str) -> None:
    outcome.append(_attempt(connection, sql))


def _waits(observer: psycopg.Connection[Any], pid: int, thread: threading.Thread) -> bool:
    """Whether the backend ``pid`` came to wait for a lock (else the statement finished)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        if not thread.is_alive():
            return False
        waiting = observer.execute(
            "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid]
        ).fetchone()
        if waiting and waiting[0]:
            return True
        time.sleep(0.005)
    raise AssertionError(f"the statement of backend {pid} neither finished nor waited")
