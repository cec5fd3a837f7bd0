"""Prior state: the app's earlier operations replayed statically, along the graph."""

from __future__ import annotations

from pathlib import Path

from lint_helpers import add_field, create_model, initial, migration, write

from manifest_core.lint import AppState, LintSession, ModelState, PriorState, lint_source
from manifest_core.lint.source import parse_source
from manifest_core.lint.state import apply_operations
from manifest_core.lint.values import Call
from manifest_core.project import load_project

NULLABLE = "models.TextField(null=True)"


def alter(model: str, name: str, field: str) -> str:
    return (
        "        migrations.AlterField(\n"
        f'            model_name="{model}",\n'
        f'            name="{name}",\n'
        f"            field={field},\n"
        "        ),\n"
    )


def session(root: Path) -> LintSession:
    return LintSession(load_project(str(root), use_cache=False))


def found(session: LintSession, app: str, name: str) -> list[tuple[str, int]]:
    return [(f.name, f.line) for f in session.lint((app, name)).findings]


def test_state_flows_through_a_merge(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_a",
        migration("shop", "0001_initial", add_field("order", "a", NULLABLE)),
    )
    write(
        tmp_path,
        "shop",
        "0002_b",
        migration("shop", "0001_initial", add_field("order", "b", NULLABLE)),
    )
    merge = migration("shop", "0002_a", "").replace(
        '        ("shop", "0002_a"),\n',
        '        ("shop", "0002_a"),\n        ("shop", "0002_b"),\n',
    )
    write(tmp_path, "shop", "0003_merge", merge)
    write(
        tmp_path,
        "shop",
        "0004_not_null",
        migration(
            "shop",
            "0003_merge",
            alter("order", "a", "models.TextField()") + alter("order", "b", "models.TextField()"),
        ),
    )
    lint = session(tmp_path)
    assert found(lint, "shop", "0004_not_null") == [("set-not-null", 15), ("set-not-null", 20)]
    state = lint.state_before(("shop", "0004_not_null"))
    assert list(state.models["order"].fields) == ["id", "number", "a", "b"]


def test_renames_are_followed(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    rename = (
        "        migrations.RenameField(\n"
        '            model_name="order", old_name="number", new_name="code",\n'
        "        ),\n"
        "        migrations.RenameModel(\n"
        '            old_name="Order", new_name="Purchase",\n'
        "        ),\n"
    )
    write(tmp_path, "shop", "0002_renames", migration("shop", "0001_initial", rename))
    write(
        tmp_path,
        "shop",
        "0003_code",
        migration(
            "shop", "0002_renames", alter("purchase", "code", "models.CharField(max_length=5)")
        ),
    )
    lint = session(tmp_path)
    assert found(lint, "shop", "0002_renames") == [("rename-field", 12), ("rename-model", 15)]
    assert found(lint, "shop", "0003_code") == [("alter-column-type", 15)]
    message = lint.lint(("shop", "0003_code")).findings[0].message
    assert message == (
        "shortens varchar(20) to varchar(5): every row is checked and the table rewritten "
        '("shop_purchase"."code"), holding an ACCESS EXCLUSIVE lock that blocks reads and writes'
    )


def test_a_squash_in_the_graph_and_the_migrations_it_replaces(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_note",
        migration("shop", "0001_initial", add_field("order", "note", NULLABLE)),
    )
    squash = migration(
        "shop",
        None,
        create_model(
            "Order", '("number", models.CharField(max_length=20))', f'("note", {NULLABLE})'
        ),
        body='    replaces = [("shop", "0001_initial"), ("shop", "0002_note")]\n\n',
    )
    write(tmp_path, "shop", "0001_squashed_0002_note", squash)
    write(
        tmp_path,
        "shop",
        "0003_note_required",
        migration("shop", "0002_note", alter("order", "note", "models.TextField()")),
    )
    lint = session(tmp_path)
    # 0003 depends on 0002, which the squash replaces: the state comes from the squash
    assert found(lint, "shop", "0003_note_required") == [("set-not-null", 15)]
    # a replaced migration is linted against its own ancestors
    assert found(lint, "shop", "0002_note") == []
    assert list(lint.state_before(("shop", "0002_note")).models["order"].fields) == [
        "id",
        "number",
    ]
    # the squash itself never runs where its replaced migrations are deployed
    assert found(lint, "shop", "0001_squashed_0002_note") == [("squashed-migration-skipped", 6)]
    assert lint.lint(("shop", "0001_squashed_0002_note"), explicit=True).findings == ()


def test_unmanaged_and_proxy_models_have_no_table(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    options = (
        "        migrations.AlterModelOptions(\n"
        '            name="order",\n'
        '            options={"managed": False},\n'
        "        ),\n"
    )
    write(tmp_path, "shop", "0002_unmanaged", migration("shop", "0001_initial", options))
    write(
        tmp_path,
        "shop",
        "0003_flag",
        migration("shop", "0002_unmanaged", add_field("order", "flag", "models.BooleanField()")),
    )
    assert found(session(tmp_path), "shop", "0003_flag") == []


def test_an_unknown_operation_earlier_is_named_when_state_is_missing(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    custom = migration(
        "shop",
        "0001_initial",
        '        CreateFromTemplate(name="Widget"),\n',
        imports=(
            "from django.db import migrations, models\nfrom shop.ops import CreateFromTemplate\n"
        ),
    )
    write(tmp_path, "shop", "0002_widget", custom)
    write(
        tmp_path,
        "shop",
        "0003_widget_color",
        migration("shop", "0002_widget", add_field("widget", "color", NULLABLE)),
    )
    (finding,) = session(tmp_path).lint(("shop", "0003_widget_color")).findings
    assert finding.name == "unknown-prior-state"
    assert finding.message == (
        "the model shop.widget is not in the state replayed from the earlier migrations, so the "
        "linter cannot tell whether its table already exists (shop.0002_widget uses "
        "CreateFromTemplate, which the linter cannot replay)"
    )


def test_an_unsaved_buffer_is_linted_against_its_own_dependencies(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    write(
        tmp_path,
        "shop",
        "0002_note",
        migration("shop", "0001_initial", add_field("order", "note", NULLABLE)),
    )
    lint = session(tmp_path)
    buffer = migration("shop", "0002_note", alter("order", "note", "models.TextField()"))
    path = "shop/migrations/0003_unsaved.py"
    assert [f.name for f in lint.lint_text(path, buffer).findings] == ["set-not-null"]
    # pointing the buffer at 0001 instead: the field does not exist yet
    earlier = buffer.replace('"0002_note"', '"0001_initial"')
    assert [f.name for f in lint.lint_text(path, earlier).findings] == ["unknown-prior-state"]


def test_each_migration_is_parsed_once_for_a_whole_app(tmp_path: Path) -> None:
    write(tmp_path, "shop", "0001_initial", initial("shop"))
    previous = "0001_initial"
    for number in range(2, 60):
        name = f"{number:04d}_f{number}"
        write(
            tmp_path,
            "shop",
            name,
            migration("shop", previous, add_field("order", f"f{number}", NULLABLE)),
        )
        previous = name
    lint = session(tmp_path)
    for app in lint.project.apps.values():
        for m in app.migrations:
            lint.lint(m.key)
    assert len(lint._parsed) == 59
    assert len(lint.state_before(("shop", previous)).models["order"].fields) == 2 + 57


def test_the_pure_function_needs_only_a_prior_state() -> None:
    order = ModelState(
        "Order",
        {"id": Call("models.BigAutoField", "django.db.models.BigAutoField")},
        {},
        created_by=("shop", "0001_initial"),
    )
    prior = PriorState(("shop", "0002_x"), AppState("shop", {"order": order}))
    text = migration("shop", "0001_initial", add_field("order", "flag", "models.BooleanField()"))
    result = lint_source("shop/migrations/0002_x.py", text, prior)
    assert [(f.code, f.line, f.column) for f in result.findings] == [("ML001", 15, 18)]
    # the same migration on a branch that created the table is fine
    branch = PriorState(
        prior.key, prior.state, new_migrations=frozenset({("shop", "0001_initial")})
    )
    assert lint_source("shop/migrations/0002_x.py", text, branch).findings == ()


def test_apply_operations_follows_state_forwards() -> None:
    text = migration(
        "shop",
        None,
        create_model("Order", '("number", models.CharField(max_length=20))')
        + add_field("order", "note", NULLABLE)
        + "        migrations.RemoveField(model_name='order', name='number'),\n"
        + "        migrations.AlterModelTable(name='order', table='orders'),\n"
        + "        migrations.AlterUniqueTogether(\n"
        + "            name='order', unique_together={('id', 'note')}\n"
        + "        ),\n"
        + "        migrations.DeleteModel(name='Order'),\n",
    )
    parsed = parse_source("shop/migrations/0001_initial.py", text)
    key = ("shop", "0001_initial")
    before_delete = apply_operations(AppState("shop"), parsed.operations[:-1], key, {})
    order = before_delete.models["order"]
    assert list(order.fields) == ["id", "note"]
    assert order.options == {"db_table": "orders", "unique_together": frozenset({("id", "note")})}
    assert before_delete.retired_columns == {("shop_order", "number"): key}
    after = apply_operations(before_delete, parsed.operations[-1:], key, {})
    assert after.models == {}
    assert after.retired_tables == {"orders": key}
