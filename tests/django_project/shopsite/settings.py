"""Settings for the shopsite example project, which the django_integration tests drive.

Its apps cover the layouts the integration must get right:

* ``accounts``: a custom user model (``AUTH_USER_MODEL``);
* ``catalog``: an app whose ``AppConfig`` sets a custom label, ``store``;
* ``billing``: migrations moved to ``db_migrations/billing`` with ``MIGRATION_MODULES``;
* ``legacy``: migrations disabled with ``MIGRATION_MODULES`` (its old folder is still on disk);
* ``strictmigrations``: a tool that overrides ``makemigrations``, as django-migration-linter does;
* ``vendorapp``: a third-party app installed outside the repository (the tests install it into a
  temporary ``site-packages`` folder on ``PYTHONPATH``).
"""

import contextlib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# For this example only: never use this key, or DEBUG = True, in a real deployment.
SECRET_KEY = "example-only-insecure-secret-key-do-not-use-in-production"
DEBUG = True
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django_integration",
    "strictmigrations",
    "accounts",
    "catalog",
    "billing",
    "legacy",
    "vendorapp",
]

MIGRATION_MODULES = {
    "billing": "db_migrations.billing",
    "legacy": None,
}

# This project lives in a subfolder of the django-migration-manifest repository, so its manifest
# root is set explicitly. A project at the top of its git repository needs no setting.
MIGRATION_MANIFEST = {"root": BASE_DIR}

ROOT_URLCONF = "shopsite.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }
}

AUTH_USER_MODEL = "accounts.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

USE_TZ = True
TIME_ZONE = "UTC"

# Per-checkout overrides (the tests write one to vary the settings).
with contextlib.suppress(ImportError):
    from .local_settings import *  # noqa: F403
