"""Which migrations a database applied: the ``django_migrations`` table, read-only.

``sqlite:///relative/path`` (relative to the current folder, as dj-database-url reads it),
``sqlite:////absolute/path``, and ``postgres://`` / ``postgresql://`` URLs through the ``psql``
client (it must be on ``PATH``). Nothing is ever written: SQLite is opened read-only, and ``psql``
runs one ``SELECT``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from urllib.parse import unquote, urlsplit

from manifest_core.model import Key

QUERY = "SELECT app, name FROM django_migrations"
SCHEMES = ("sqlite", "postgres", "postgresql", "pgsql")


class DatabaseError(Exception):
    """The database could not be read: a usage problem (exit code 2)."""


def applied_migrations(url: str, cwd: str | None = None) -> set[Key]:
    """``{(app, name)}`` recorded in the database's ``django_migrations`` table.

    A database without the table has applied nothing. Raises :class:`DatabaseError`.
    """
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite":
        return _sqlite(url, cwd or os.getcwd())
    if scheme in ("postgres", "postgresql", "pgsql"):
        return _postgres(url)
    raise DatabaseError(
        f"--database-url {_redact(url)}: unsupported database (use sqlite:///path/to/db.sqlite3 "
        "or postgresql://user@host/name)"
    )


def _sqlite(url: str, cwd: str) -> set[Key]:
    path = unquote(url[len("sqlite://") :])
    if path.startswith("/") and not path.startswith("//"):
        path = path[1:]  # sqlite:///db.sqlite3 is relative; sqlite:////abs is absolute
    elif path.startswith("//"):
        path = path[1:]
    if not path or path == ":memory:":
        raise DatabaseError(f"--database-url {url}: name a database file")
    full = path if os.path.isabs(path) else os.path.join(cwd, path)
    if os.path.isdir(full):
        raise DatabaseError(f"--database-url {url}: {full} is a folder, not a database file")
    if not os.path.isfile(full):
        raise DatabaseError(f"--database-url {url}: {full} does not exist")
    try:
        connection = sqlite3.connect(f"file:{full}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DatabaseError(f"--database-url {url}: cannot open {full}: {exc}") from None
    try:
        rows = connection.execute(QUERY).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):
            return set()
        raise DatabaseError(f"--database-url {url}: {exc}") from None
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"--database-url {url}: {full} is not a SQLite database ({exc})"
        ) from None
    finally:
        connection.close()
    return {(str(app), str(name)) for app, name in rows}


def _postgres(url: str) -> set[Key]:
    psql = shutil.which("psql")
    shown = _redact(url)
    if psql is None:
        raise DatabaseError(
            f"--database-url {shown}: reading PostgreSQL needs the psql client on PATH "
            "(or use the Django integration, which asks Django's own connection)"
        )
    scheme, rest = url.split("://", 1)
    target = "postgresql://" + rest if scheme.lower() in ("postgres", "pgsql") else url
    env = {**os.environ, "PGCONNECT_TIMEOUT": os.environ.get("PGCONNECT_TIMEOUT", "10")}
    try:
        result = subprocess.run(
            [
                psql,
                "-X",
                "-A",
                "-t",
                "-F",
                "\t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                target,
                "-c",
                QUERY,
            ],
            capture_output=True,
            text=True,
            check=False,
            env=env,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DatabaseError(f"--database-url {shown}: psql failed: {exc}") from None
    if result.returncode != 0:
        # psql's first line is the error; the next ones may quote the query and point at it
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        message = lines[0] if lines else f"exited with status {result.returncode}"
        if '"django_migrations" does not exist' in message:
            return set()
        raise DatabaseError(f"--database-url {shown}: psql: {message}")
    applied = set()
    for line in result.stdout.splitlines():
        if "\t" in line:
            app, name = line.split("\t", 1)
            applied.add((app, name))
    return applied


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()
