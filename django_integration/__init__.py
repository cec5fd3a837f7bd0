"""The Django face of django-migration-manifest.

Add ``"django_integration"`` to ``INSTALLED_APPS`` (its app label is ``migration_manifest``) and:

* ``makemigrations``, ``squashmigrations`` and ``optimizemigration`` bring ``migrations.toml`` up to
  date after every run that writes migration files (:mod:`django_integration.hooks`);
* ``manage.py check`` validates the manifest against Django's own app registry and
  ``MigrationLoader`` (:mod:`django_integration.checks`);
* ``manage.py update_migration_manifest`` rewrites it on demand.

The manifest is the same file the static tools (``python -m manifest_core``) read and write; this
package only supplies Django's truth: app labels, migration folders and leaf migrations.
"""
