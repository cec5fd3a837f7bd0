# mypy: ignore-errors
# ruff: noqa

import django.db.models.deletion
import django.contrib.postgres.fields.ranges
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Customer",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50)),
            ],
        ),
        migrations.CreateModel(
            name="Coupon",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("code", models.CharField(max_length=20)),
            ],
        ),
        migrations.CreateModel(
            name="Present",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("name", models.CharField(max_length=50)),
            ],
            options={"db_table": "shop_gift"},
        ),
        migrations.CreateModel(
            name="Order",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("status", models.CharField(max_length=20, null=True)),
                ("total", models.IntegerField(default=0)),
                ("price", models.IntegerField(db_column="price_cents", default=0)),
                ("quantity", models.IntegerField(default=1)),
                ("legacy_code", models.CharField(max_length=20, null=True)),
                ("number", models.CharField(max_length=20)),
                ("created_at", models.DateTimeField(null=True)),
                (
                    "seller",
                    models.ForeignKey(
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="shop.customer",
                    ),
                ),
            ],
            options={"indexes": [models.Index(fields=["number"], name="order_number_idx")]},
        ),
        migrations.CreateModel(
            name="Event",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("count", models.IntegerField()),
                ("title", models.CharField(max_length=100)),
                ("body", models.TextField()),
                ("amount", models.DecimalField(decimal_places=2, max_digits=10)),
                ("name", models.CharField(max_length=100)),
                ("code", models.CharField(db_index=True, max_length=100)),
            ],
        ),
        migrations.CreateModel(
            name="Booking",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("span", django.contrib.postgres.fields.ranges.IntegerRangeField()),
            ],
        ),
    ]
