"""Names and hints shared by the checks, the hooks and the command: no imports, cheap to load."""

SETTING = "MIGRATION_MANIFEST"
UPDATE_COMMAND = "python manage.py update_migration_manifest"
RESOLVE_HINT = (
    "run `python manage.py makemigrations --merge` to merge them, or "
    "`python -m manifest_core resolve` to renumber one branch's migrations after the other's"
)
