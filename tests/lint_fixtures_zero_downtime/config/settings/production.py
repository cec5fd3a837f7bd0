# mypy: ignore-errors
# ruff: noqa
DATABASES = {
    "default": {
        "ENGINE": "django_zero_downtime_migrations.backends.postgres",
        "NAME": "shop",
    }
}
ZERO_DOWNTIME_MIGRATIONS_RAISE_FOR_UNSAFE = True
