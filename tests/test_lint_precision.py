"""Precision of the linter's findings and messages, end to end through the CLI."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli
from lint_helpers import add_field, add_index, initial, lint_json, migration, write


def test_text_output_gives_each_rules_advice_once(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_indexes",
        migration(
            "shop",
            "0001_initial",
            add_index("order", "number", "order_number_idx")
            + add_index("order", "id", "order_id_idx"),
        ),
    )
    code, out, _ = run_cli("--root", str(tmp_path), "--no-cache", "lint", "--all")
    assert code == 1
    assert out.count("    safe: Build the index with AddIndexConcurrently") == 1
    assert out.count("    docs: ") == 1
    assert out.count("error[ML011] add-index") == 2
    assert out.count("    fix: Use AddIndexConcurrently") == 2  # each finding keeps its fix


def test_a_setting_in_max_length_is_unknown_not_shorter(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_number_length",
        migration(
            "shop",
            "0001_initial",
            "        migrations.AlterField(\n"
            '            model_name="order",\n'
            '            name="number",\n'
            "            field=models.CharField(max_length=settings.NUMBER_LENGTH),\n"
            "        ),\n",
            imports="from django.conf import settings\nfrom django.db import migrations, models\n",
        ),
    )
    code, data, _ = lint_json(tmp_path, "--all")
    assert code == 0
    assert [(f["name"], f["message"]) for f in data["findings"]] == [
        (
            "unreadable-argument",
            "cannot tell whether the column type changes: max_length=settings.NUMBER_LENGTH is "
            "not a literal",
        )
    ]


def test_a_field_renamed_then_removed_in_one_migration_reports_the_drop_only(
    tmp_path: Path,
) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_retire_number",
        migration(
            "shop",
            "0001_initial",
            '        migrations.RenameField(model_name="order", old_name="number", '
            'new_name="old_number"),\n'
            '        migrations.RemoveField(model_name="order", name="old_number"),\n',
        ),
    )
    _, data, _ = lint_json(tmp_path, "--all")
    assert [f["name"] for f in data["findings"]] == ["remove-field"]


def test_add_column_with_an_index_says_reads_are_blocked_too(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_order_code",
        migration(
            "shop",
            "0001_initial",
            add_field("order", "code", "models.IntegerField(db_index=True, null=True)"),
        ),
    )
    _, data, _ = lint_json(tmp_path, "--all")
    assert [f["message"] for f in data["findings"]] == [
        'creates an index on "shop_order" ("code") without CONCURRENTLY: the ACCESS EXCLUSIVE '
        "lock of ADD COLUMN is held until the index is built, so reads and writes are both "
        "blocked"
    ]
