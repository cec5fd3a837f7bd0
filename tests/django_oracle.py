"""A worker process that answers with Django's own ``MigrationLoader``: the oracle of the tests.

Run as ``python tests/django_oracle.py LABEL [LABEL...]``. It installs one stub app per label,
then reads JSON requests from stdin, one per line::

    {"path": "/tmp/x", "modules": {"alpha": "ex_1.alpha.migrations"},
     "auth_user_model": "auth.User"}

and answers each with one JSON line: the graph's nodes with their parents, each app's leaves and
each app's migration files on disk, or the exception Django raised. Django's app registry can be
set up only once per process, which is why this is a long-lived worker rather than a library.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from typing import Any


def _stub_apps(labels: list[str]) -> list[str]:
    folder = tempfile.mkdtemp(prefix="oracle-apps-")
    sys.path.insert(0, folder)
    installed = []
    for label in labels:
        package = f"oracle_stub_{label}"
        os.makedirs(os.path.join(folder, package))
        with open(os.path.join(folder, package, "__init__.py"), "w") as handle:
            handle.write("")
        with open(os.path.join(folder, package, "apps.py"), "w") as handle:
            handle.write(
                "from django.apps import AppConfig\n\n\n"
                "class Config(AppConfig):\n"
                f"    name = {package!r}\n"
                f"    label = {label!r}\n"
            )
        installed.append(f"{package}.apps.Config")
    return installed


def main() -> None:
    labels = sys.argv[1:]
    contrib = labels == ["--contrib"]
    import django
    from django.conf import settings

    if contrib:
        installed = [
            "django.contrib.admin",
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.flatpages",
            "django.contrib.redirects",
            "django.contrib.sessions",
            "django.contrib.sites",
        ]
    else:
        installed = _stub_apps(labels)
    settings.configure(INSTALLED_APPS=installed, MIGRATION_MODULES={}, USE_TZ=True)
    django.setup()
    from django.db.migrations.loader import MigrationLoader

    for line in sys.stdin:
        request = json.loads(line)
        if request.get("path") and request["path"] not in sys.path:
            sys.path.insert(0, request["path"])
        modules = request.get("modules", {})
        settings.MIGRATION_MODULES = {label: modules.get(label) for label in labels if not contrib}
        settings.AUTH_USER_MODEL = request.get("auth_user_model", "auth.User")
        answer: dict[str, Any]
        try:
            loader = MigrationLoader(None, ignore_no_migrations=True)
            graph = loader.graph
            answer = {
                "nodes": {
                    f"{k[0]}.{k[1]}": sorted([list(p.key) for p in graph.node_map[k].parents])
                    for k in graph.nodes
                },
                "leaves": {},
                "disk": {},
            }
            for app, name in graph.leaf_nodes():
                answer["leaves"].setdefault(app, []).append(name)
            for app, name in loader.disk_migrations:
                answer["disk"].setdefault(app, []).append(name)
            for values in (*answer["leaves"].values(), *answer["disk"].values()):
                values.sort()
        except Exception as exc:
            answer = {"error": type(exc).__name__, "message": str(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
