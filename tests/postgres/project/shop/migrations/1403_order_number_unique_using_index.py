# mypy: ignore-errors
# ruff: noqa

from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    'CREATE UNIQUE INDEX CONCURRENTLY "order_number_uniq" ON "shop_order" ("number")',
                    reverse_sql='DROP INDEX CONCURRENTLY IF EXISTS "order_number_uniq"',
                ),
                migrations.RunSQL(
                    'ALTER TABLE "shop_order" ADD CONSTRAINT "order_number_uniq" UNIQUE USING INDEX "order_number_uniq"',
                    reverse_sql='ALTER TABLE "shop_order" DROP CONSTRAINT "order_number_uniq"',
                ),
            ],
            state_operations=[
                migrations.AddConstraint(
                    model_name="order",
                    constraint=models.UniqueConstraint(fields=["number"], name="order_number_uniq"),
                )
            ],
        ),
    ]
