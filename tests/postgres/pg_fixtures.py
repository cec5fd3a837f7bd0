"""The PostgreSQL of the lint suite: one server per session, and Django's worker on it.

The test module imports the fixtures (a ``conftest.py`` here would clash with the one of
``tests/`` for the type checker).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pg_server import REQUIRED, Server, create_server, find_bindir

WORKER = Path(__file__).with_name("django_sql_worker.py")
DBNAME = "oracle"


@dataclass
class Postgres:
    server: Server
    #: The server's major version (15 for Debian 12's PostgreSQL).
    version: int

    @property
    def conninfo(self) -> str:
        return self.server.conninfo(DBNAME)


class DjangoWorker:
    """Django's migration executor and schema editor on the test database (django_sql_worker)."""

    def __init__(self, postgres: Postgres) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), postgres.server.socket_dir, DBNAME],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **request: Any) -> dict[str, Any]:
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, "the Django worker died"
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    missing = "PostgreSQL is not installed (apt-get install -y postgresql; .ci/run installs it)"
    try:
        import psycopg
    except ImportError:
        if REQUIRED:
            raise
        pytest.skip("psycopg is not installed (pip install -e '.[dev]')")
    bindir = find_bindir()
    if bindir is None:
        assert not REQUIRED, f"{missing}, and MIGRATION_MANIFEST_REQUIRE_POSTGRES is set"
        pytest.skip(missing)
    server = create_server(bindir)
    try:
        server.start()
        with psycopg.connect(server.conninfo(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {DBNAME}")
            row = connection.execute("SHOW server_version_num").fetchone()
        assert row is not None
        yield Postgres(server, int(row[0]) // 10000)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def django_worker(postgres: Postgres) -> Iterator[DjangoWorker]:
    worker = DjangoWorker(postgres)
    yield worker
    worker.close()
