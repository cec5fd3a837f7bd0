"""A worker process that drives Django's own migration machinery against the test PostgreSQL.

Run as ``python tests/postgres/django_sql_worker.py SOCKET_DIR DBNAME``. It sets Django up once,
with the ``shop`` app of ``tests/postgres/project/`` and the database given, then reads JSON
requests from stdin, one per line, and answers each with one JSON line:

* ``{"reset": true}``: drop and recreate the ``public`` schema (an empty database);
* ``{"migrate": NAME}``: really apply ``shop.NAME`` and what it depends on (``manage.py migrate
  shop NAME``), answering ``{"error": ...}`` with what Django or PostgreSQL raised, if anything;
* ``{"prepare": NAME}``: apply everything ``shop.NAME`` depends on, but not it;
* ``{"applied": true}``: the names of the migrations applied;
* ``{"sql": NAME}``: the statements ``manage.py sqlmigrate shop NAME`` prints (Django's schema
  editor collecting SQL against the live database, which must be in the migration's prior
  state), and whether the migration is atomic; or ``{"error": ...}`` when Django refuses.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().with_name("project")


def setup(socket_dir: str, dbname: str) -> None:
    import django
    from django.conf import settings

    sys.path.insert(0, str(PROJECT))
    settings.configure(
        INSTALLED_APPS=["django.contrib.postgres", "shop"],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": dbname,
                "HOST": socket_dir,
                "USER": "postgres",
            }
        },
        USE_TZ=True,
    )
    django.setup()


def describe(error: Exception) -> str:
    """``Name: message``, named after psycopg's class for an error PostgreSQL raised."""
    found: BaseException = error
    if error.__cause__ is not None and type(error.__cause__).__module__.startswith("psycopg"):
        found = error.__cause__
    return f"{type(found).__name__}: {found}".strip()


def answer(request: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    if request.get("reset"):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        return {}
    executor = MigrationExecutor(connection)
    if request.get("applied"):
        return {"applied": sorted(name for _, name in executor.recorder.applied_migrations())}
    if "migrate" in request or "prepare" in request:
        key = ("shop", request.get("migrate") or request["prepare"])
        targets = [key]
        if "prepare" in request:
            targets = sorted(p.key for p in executor.loader.graph.node_map[key].parents)
        try:
            executor.migrate(targets)
        except Exception as error:
            return {"error": describe(error)}
        return {}
    migration = executor.loader.get_migration("shop", request["sql"])
    try:
        statements = executor.loader.collect_sql([(migration, False)])
    except Exception as error:
        return {"error": describe(error)}
    return {
        "atomic": bool(migration.atomic),
        "statements": [s for s in statements if not s.lstrip().startswith("--")],
    }


def main() -> None:
    setup(sys.argv[1], sys.argv[2])
    for line in sys.stdin:
        sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
