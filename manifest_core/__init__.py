"""django-migration-manifest: one migrations.toml for every Django app in a repository."""

__version__ = "0.1.0"

#: Where the project lives; rule pages are under ``docs/rules/`` there.
HOMEPAGE = "https://github.com/django-migration-manifest/django-migration-manifest"
