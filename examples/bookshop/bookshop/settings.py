"""Settings for the bookshop example project: the smallest setup that runs its migrations."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

# For this example only: never use this key, or DEBUG = True, in a real deployment.
SECRET_KEY = "example-only-insecure-secret-key-do-not-use-in-production"
DEBUG = True
ALLOWED_HOSTS: list[str] = []

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "accounts",
    "catalog",
    "orders",
    "reviews",
]

ROOT_URLCONF = "bookshop.urls"

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
