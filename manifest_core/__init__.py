"""django-migration-manifest: one migrations.toml for every Django app in a repository."""

__version__ = "0.1.0"
