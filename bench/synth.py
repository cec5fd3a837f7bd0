"""Synthetic Django repositories with ``makemigrations``-shaped migration files.

:func:`generate_repo` writes ``apps`` apps of ``per_app`` migration files each under ``root``::

    root/
      pyproject.toml            # [tool.django-migration-manifest.swappable] AUTH_USER_MODEL
      manage.py, config/        # a startproject-style settings module listing every app
      accounts/                 # app 0: the custom user model (AUTH_USER_MODEL = "accounts.User")
      app_001/ ... app_NNN/     # __init__.py, apps.py, models.py, migrations/{__init__.py, ...}

Every app has the same shape, so a repository ten times bigger has ten times the work:

* ``0001_initial`` (``initial = True``) creates a few models, often with a foreign key to
  ``settings.AUTH_USER_MODEL`` (so a ``swappable_dependency``);
* later migrations hold one to several operations (``AddField``, ``AlterField``,
  ``RemoveField``, ``RenameField``, ``AddIndex``, ``AddConstraint``, ``CreateModel``,
  ``DeleteModel``, ``AlterModelOptions``, ``AlterUniqueTogether``), named as Django names them,
  each depending on the previous migration, some also on another app's migration (a foreign key
  to one of its models) and some handwritten ``RunPython`` data migrations;
* one two-branch merge (two migrations with the same number and a ``merge`` migration);
* every tenth app (``index % 10 == 5``) also has a squashed migration replacing its first
  migrations, with the originals still on disk.

Files are written the way Django's ``MigrationWriter`` writes them, either raw (single quotes,
one field per line) or as ``black`` reformats them (double quotes, long calls exploded), chosen per
app. Cross-app dependencies only point at apps with a lower index, so the first ``n`` apps of a
bigger repository are byte-identical to a smaller one generated with the same seed.

Everything is derived from ``seed``: the same arguments give the same bytes, and every file's
modification time is set to a fixed date in the past (see :data:`FILE_MTIME`).
"""

from __future__ import annotations

import datetime as dt
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias

#: Every generated file gets this modification time: files checked out long ago, as in a real
#: working copy (a cache keyed on file stats may rightly refuse files modified "just now").
FILE_MTIME = dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.timezone.utc).timestamp()
ACCOUNTS = "accounts"
AUTH_USER_MODEL = "accounts.User"
SQUASH_EVERY = 10
SQUASH_REMAINDER = 5
BLACK_LINE_LENGTH = 88


# --- values and their source form -------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """An expression written as is: ``settings.AUTH_USER_MODEL``, ``uuid.uuid4``."""

    text: str


@dataclass(frozen=True)
class Call:
    """``func(key=value, ...)``, keyword arguments in the order given."""

    func: str
    kwargs: tuple[tuple[str, Value], ...] = ()


@dataclass(frozen=True)
class ListValue:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class TupleValue:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class SetValue:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class DictValue:
    items: tuple[tuple[str, Value], ...]


Value: TypeAlias = (
    str | bool | int | Raw | Call | ListValue | TupleValue | SetValue | DictValue | None
)


@dataclass(frozen=True)
class Style:
    """How a file is formatted: Django's raw writer output, or after ``black``."""

    black: bool

    def q(self, text: str) -> str:
        if self.black:
            return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return repr(text)

    def value(self, value: Value) -> str:
        """One-line source for ``value``."""
        if isinstance(value, str):
            return self.q(value)
        if value is None or isinstance(value, (bool, int)):
            return repr(value)
        if isinstance(value, Raw):
            return value.text
        if isinstance(value, Call):
            args = ", ".join(f"{k}={self.value(v)}" for k, v in value.kwargs)
            return f"{value.func}({args})"
        if isinstance(value, ListValue):
            return "[" + ", ".join(self.value(v) for v in value.items) + "]"
        if isinstance(value, TupleValue):
            inner = ", ".join(self.value(v) for v in value.items)
            return f"({inner},)" if len(value.items) == 1 else f"({inner})"
        if isinstance(value, SetValue):
            return "{" + ", ".join(self.value(v) for v in value.items) + "}"
        return "{" + ", ".join(f"{self.q(k)}: {self.value(v)}" for k, v in value.items) + "}"

    def kwarg(self, indent: int, name: str, value: Value) -> list[str]:
        """``name=value,`` at ``indent`` spaces, as the writer (then black) lays it out."""
        pad = " " * indent
        if isinstance(value, DictValue):
            lines = [f"{pad}{name}={{"]
            lines += [f"{pad}    {self.q(k)}: {self.value(v)}," for k, v in value.items]
            return [*lines, f"{pad}}},"]
        if isinstance(value, ListValue) and value.items and _is_field_list(value):
            lines = [f"{pad}{name}=["]
            for item in value.items:
                assert isinstance(item, TupleValue)
                lines += self.field_tuple(indent + 4, item)
            return [*lines, f"{pad}],"]
        one = f"{pad}{name}={self.value(value)},"
        if not self.black or len(one) <= BLACK_LINE_LENGTH or not isinstance(value, Call):
            return [one]
        return [f"{pad}{name}={value.func}(", *self._exploded_args(indent + 4, value), f"{pad}),"]

    def field_tuple(self, indent: int, item: TupleValue) -> list[str]:
        """``('name', models.Field(...)),`` inside ``fields=[...]`` or ``managers=[...]``."""
        pad = " " * indent
        one = f"{pad}{self.value(item)},"
        if not self.black or len(one) <= BLACK_LINE_LENGTH:
            return [one]
        name, call = item.items
        lines = [f"{pad}(", f"{pad}    {self.value(name)},"]
        inner = f"{pad}    {self.value(call)},"
        if len(inner) <= BLACK_LINE_LENGTH or not isinstance(call, Call):
            lines.append(inner)
        else:
            lines += [
                f"{pad}    {call.func}(",
                *self._exploded_args(indent + 8, call),
                f"{pad}    ),",
            ]
        return [*lines, f"{pad}),"]

    def _exploded_args(self, indent: int, call: Call) -> list[str]:
        """A call's arguments inside its split brackets: one line if it fits, else one each."""
        pad = " " * indent
        args = [f"{k}={self.value(v)}" for k, v in call.kwargs]
        one = pad + ", ".join(args)
        if len(one) <= BLACK_LINE_LENGTH:
            return [one]
        lines = []
        for (name, value), arg in zip(call.kwargs, args, strict=True):
            if len(pad) + len(arg) + 1 > BLACK_LINE_LENGTH and isinstance(value, ListValue):
                lines.append(f"{pad}{name}=[")
                lines += [f"{pad}    {self.value(item)}," for item in value.items]
                lines.append(f"{pad}],")
            else:
                lines.append(f"{pad}{arg},")
        return lines


def _is_field_list(value: ListValue) -> bool:
    return all(
        isinstance(i, TupleValue) and len(i.items) == 2 and isinstance(i.items[1], Call)
        for i in value.items
    )


# --- operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    kind: str  #: ``CreateModel``, ``AddField``...
    kwargs: tuple[tuple[str, Value], ...]
    fragment: str | None  #: the operation's ``migration_name_fragment``
    imports: frozenset[str] = frozenset()

    def render(self, style: Style) -> list[str]:
        lines = [f"        migrations.{self.kind}("]
        for name, value in self.kwargs:
            lines += style.kwarg(12, name, value)
        return [*lines, "        ),"]


@dataclass(frozen=True)
class RunPython:
    """A handwritten data migration: a function plus ``migrations.RunPython``."""

    function: str
    body: tuple[str, ...]


@dataclass
class Spec:
    """One migration file."""

    name: str
    when: dt.datetime
    dependencies: list[tuple[str, str]] = field(default_factory=list)
    swappable: bool = False
    initial: bool = False
    replaces: list[tuple[str, str]] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    run_python: RunPython | None = None


def render_migration(label: str, spec: Spec, style: Style) -> str:
    """The file ``MigrationWriter`` writes for ``spec`` (black-formatted when ``style.black``)."""
    imports = {"from django.db import migrations"}
    for operation in spec.operations:
        imports |= operation.imports
    if spec.swappable:
        imports.add("from django.conf import settings")
    if "from django.db import models" in imports:
        imports.discard("from django.db import models")
        imports.discard("from django.db import migrations")
        imports.add("from django.db import migrations, models")
    ordered = sorted(imports, key=lambda i: (i.split()[0] == "from", i.split()[1]))
    out = [f"# Generated by Django {_django_version(spec.when)} on {spec.when:%Y-%m-%d %H:%M}", ""]
    out += ordered
    out += ["", ""]
    if spec.run_python is not None:
        out += [f"def {spec.run_python.function}(apps, schema_editor):"]
        out += [f"    {line}" if line else "" for line in spec.run_python.body]
        out += ["", ""]
    out.append("class Migration(migrations.Migration):")
    if not style.black:
        out.append("")
    if spec.replaces:
        pairs = [TupleValue((a, n)) for a, n in spec.replaces]
        if style.black:
            out += ["    replaces = ["]
            out += [f"        {style.value(p)}," for p in pairs]
            out += ["    ]", ""]
        else:
            out += [f"    replaces = {style.value(ListValue(tuple(pairs)))}", ""]
    if spec.initial:
        out += ["    initial = True", ""]
    deps = [f"        {style.value(TupleValue(d))}," for d in spec.dependencies]
    if spec.swappable:
        deps.append("        migrations.swappable_dependency(settings.AUTH_USER_MODEL),")
    out += ["    dependencies = [", *sorted(deps), "    ]", ""]
    out.append("    operations = [")
    for operation in spec.operations:
        out += operation.render(style)
    if spec.run_python is not None:
        out.append(
            f"        migrations.RunPython({spec.run_python.function}, migrations.RunPython.noop),"
        )
    out += ["    ]", ""]
    return "\n".join(out)


def _django_version(when: dt.datetime) -> str:
    if when.year <= 2021:
        return f"3.2.{when.month % 9 + 1}"
    if when.year <= 2023:
        return f"4.2.{when.month % 7 + 1}"
    if when.year == 2024:
        return f"5.0.{when.month % 6 + 1}"
    return "5.2"


def migration_name(fragments: Sequence[str], when: dt.datetime) -> str:
    """``Migration.suggest_name``: fragments joined up to 52 characters, then ``_and_more``."""
    if not fragments:
        return f"auto_{when:%Y%m%d_%H%M}"
    name = fragments[0]
    for fragment in fragments[1:]:
        candidate = f"{name}_{fragment}"
        if len(candidate) > 52:
            return f"{name}_and_more"
        name = candidate
    return name


# --- vocabularies -----------------------------------------------------------------------------

MODEL_NAMES = (
    "Account",
    "Address",
    "Article",
    "Attachment",
    "Author",
    "Batch",
    "Booking",
    "Brand",
    "Campaign",
    "Cart",
    "Category",
    "Channel",
    "Comment",
    "Company",
    "Contract",
    "Coupon",
    "Customer",
    "Delivery",
    "Department",
    "Device",
    "Discount",
    "Document",
    "Event",
    "Export",
    "Feature",
    "Feedback",
    "Invoice",
    "Item",
    "Job",
    "Ledger",
    "License",
    "Listing",
    "Location",
    "Message",
    "Note",
    "Offer",
    "Order",
    "Package",
    "Partner",
    "Payment",
    "Payout",
    "Plan",
    "Policy",
    "Price",
    "Product",
    "Project",
    "Promotion",
    "Queue",
    "Rating",
    "Receipt",
    "Refund",
    "Region",
    "Report",
    "Request",
    "Reservation",
    "Review",
    "Schedule",
    "Section",
    "Segment",
    "Shipment",
    "Sku",
    "Slot",
    "Store",
    "Subscription",
    "Supplier",
    "Survey",
    "Tag",
    "Task",
    "Team",
    "Template",
    "Ticket",
    "Transaction",
    "Upload",
    "Vendor",
    "Voucher",
    "Warehouse",
    "Webhook",
    "Workflow",
)
FIELD_NAMES = (
    "title",
    "name",
    "slug",
    "code",
    "status",
    "state",
    "kind",
    "priority",
    "description",
    "notes",
    "summary",
    "body",
    "is_active",
    "is_public",
    "is_archived",
    "enabled",
    "quantity",
    "amount",
    "price",
    "total",
    "weight",
    "position",
    "sort_order",
    "rating",
    "score",
    "email",
    "phone",
    "url",
    "website",
    "external_id",
    "reference",
    "token",
    "metadata",
    "extra",
    "settings",
    "created_at",
    "updated_at",
    "published_at",
    "starts_at",
    "ends_at",
    "expires_at",
    "due_date",
    "version",
    "currency",
    "country",
    "city",
    "postal_code",
    "color",
    "label",
    "comment",
    "reason",
    "source",
    "channel",
    "locale",
    "timezone",
)
_AUTO_ID = Call(
    "models.BigAutoField",
    (
        ("auto_created", True),
        ("primary_key", True),
        ("serialize", False),
        ("verbose_name", "ID"),
    ),
)


def _human(name: str) -> str:
    return name.replace("_", " ")


def _scalar_field(rng: random.Random, name: str) -> tuple[Call, frozenset[str]]:
    """A plausible non-relational field for ``name``, and the imports it needs."""
    kwargs: list[tuple[str, Value]] = []
    imports: frozenset[str] = frozenset()
    if name.startswith(("is_", "enabled")):
        func = "models.BooleanField"
        kwargs.append(("default", rng.random() < 0.5))
    elif name.endswith("_at"):
        func = "models.DateTimeField"
        kwargs += rng.choice(
            ([("auto_now_add", True)], [("auto_now", True)], [("blank", True), ("null", True)])
        )
    elif name == "due_date":
        func = "models.DateField"
        kwargs += [("blank", True), ("null", True)]
    elif name in ("price", "amount", "total", "weight"):
        func = "models.DecimalField"
        kwargs += [("decimal_places", 2), ("default", 0)]
        kwargs.append(("max_digits", rng.choice((10, 12, 14))))
    elif name in ("quantity", "position", "sort_order", "version", "priority", "score"):
        func = "models.PositiveIntegerField"
        kwargs.append(("default", 0))
        if rng.random() < 0.3:
            kwargs.append(("db_index", True))
    elif name in ("description", "notes", "summary", "body", "comment", "reason"):
        func = "models.TextField"
        kwargs.append(("blank", True))
    elif name in ("metadata", "extra", "settings"):
        func = "models.JSONField"
        kwargs += [("blank", True), ("default", Raw("dict"))]
    elif name in ("url", "website"):
        func = "models.URLField"
        kwargs += [("blank", True), ("max_length", 500)]
    elif name == "email":
        func = "models.EmailField"
        kwargs.append(("max_length", 254))
    elif name == "slug":
        func = "models.SlugField"
        kwargs += [("max_length", rng.choice((50, 100, 200))), ("unique", True)]
    elif name in ("external_id", "token"):
        func = "models.UUIDField"
        kwargs += [("default", Raw("uuid.uuid4")), ("editable", False), ("unique", True)]
        imports = frozenset({"import uuid"})
    elif name in ("status", "state", "kind", "channel", "source"):
        func = "models.CharField"
        choices = rng.sample(("draft", "active", "pending", "closed", "archived", "failed"), 3)
        kwargs += [
            ("choices", ListValue(tuple(TupleValue((c, c.capitalize())) for c in choices))),
            ("default", choices[0]),
            ("max_length", 20),
        ]
    else:
        func = "models.CharField"
        if rng.random() < 0.3:
            kwargs.append(("blank", True))
        kwargs.append(("max_length", rng.choice((32, 64, 100, 150, 255))))
    if rng.random() < 0.25:
        kwargs.append(("help_text", f"The {_human(name)} shown to staff in reports and exports."))
    if rng.random() < 0.6:
        kwargs.append(("verbose_name", _human(name)))
    kwargs.sort(key=lambda item: item[0])  # the writer sorts keyword arguments
    return Call(func, tuple(kwargs)), imports


_CASCADE = Raw("django.db.models.deletion.CASCADE")
_SET_NULL = Raw("django.db.models.deletion.SET_NULL")
_DELETION = frozenset({"import django.db.models.deletion", "from django.db import models"})


def _foreign_key(target: Value, related_name: str, rng: random.Random) -> Call:
    if rng.random() < 0.3:
        return Call(
            "models.ForeignKey",
            (
                ("blank", True),
                ("null", True),
                ("on_delete", _SET_NULL),
                ("related_name", related_name),
                ("to", target),
            ),
        )
    return Call(
        "models.ForeignKey",
        (("on_delete", _CASCADE), ("related_name", related_name), ("to", target)),
    )


# --- per-app plans ----------------------------------------------------------------------------


@dataclass
class _Model:
    name: str  #: CamelCase
    fields: dict[str, Call]

    @property
    def lower(self) -> str:
        return self.name.lower()


@dataclass
class AppPlan:
    label: str
    index: int
    black: bool
    specs: list[Spec]
    #: models created by ``0001_initial``, which other apps may point foreign keys at
    initial_models: list[str]


def _target(call: Call) -> Value:
    return dict(call.kwargs).get("to")


class _Planner:
    """Draws one app's migrations. Only the seed, the app's index and earlier apps matter."""

    def __init__(
        self, label: str, index: int, per_app: int, seed: int, earlier: Sequence[AppPlan]
    ) -> None:
        self.label = label
        self.index = index
        self.per_app = per_app
        self.rng = random.Random(f"{seed}:{index}:{label}")
        self.earlier = earlier
        self.black = self.rng.random() < 0.5
        self.models: dict[str, _Model] = {}
        self.initial_models: list[str] = []
        self.now = dt.datetime(2019, 6, 3, 9, 0) + dt.timedelta(hours=self.rng.randrange(4800))

    def tick(self) -> dt.datetime:
        self.now += dt.timedelta(hours=self.rng.randrange(6, 800), minutes=self.rng.randrange(60))
        return self.now

    def new_model_name(self) -> str:
        free = [n for n in MODEL_NAMES if n.lower() not in self.models]
        if free:
            return self.rng.choice(free)
        return f"{self.rng.choice(MODEL_NAMES)}{len(self.models)}"

    def new_field_name(self, model: _Model) -> str:
        free = [n for n in FIELD_NAMES if n not in model.fields]
        if free:
            return self.rng.choice(free)
        return f"field_{len(model.fields)}"

    def quote(self, text: str) -> str:
        return Style(self.black).q(text)

    # -- operations ------------------------------------------------------------------------
    def create_model(self, name: str, spec: Spec, *, user_fk: bool) -> Operation:
        rng = self.rng
        model = _Model(name, {})
        imports: set[str] = {"from django.db import models"}
        fields: list[TupleValue] = [TupleValue(("id", _AUTO_ID))]
        for _ in range(rng.randrange(3, 9)):
            field_name = self.new_field_name(model)
            call, extra = _scalar_field(rng, field_name)
            imports |= extra
            model.fields[field_name] = call
            fields.append(TupleValue((field_name, call)))
        if user_fk:
            user = Raw("settings.AUTH_USER_MODEL")
            call = _foreign_key(user, f"{self.label}_{name.lower()}s", rng)
            model.fields["owner"] = call
            fields.append(TupleValue(("owner", call)))
            imports |= _DELETION
            spec.swappable = True
        parents = [m for m in sorted(self.models) if m != "user"]
        if parents and rng.random() < 0.5:
            parent = rng.choice(parents)
            call = _foreign_key(f"{self.label}.{parent}", f"{name.lower()}s", rng)
            field_name = parent if parent not in model.fields else f"{parent}_ref"
            model.fields[field_name] = call
            fields.append(TupleValue((field_name, call)))
            imports |= _DELETION
        kwargs: list[tuple[str, Value]] = [("name", name), ("fields", ListValue(tuple(fields)))]
        if rng.random() < 0.4:
            options: list[tuple[str, Value]] = [
                ("ordering", ListValue((rng.choice(["-id", *model.fields]),)))
            ]
            if rng.random() < 0.5:
                options.append(("verbose_name_plural", f"{name.lower()}s"))
            kwargs.append(("options", DictValue(tuple(options))))
        self.models[name.lower()] = model
        return Operation("CreateModel", tuple(kwargs), name.lower(), frozenset(imports))

    def operation(self, spec: Spec) -> Operation:
        rng = self.rng
        roll = rng.random()
        model = self.models[rng.choice(sorted(self.models))]
        plain = [n for n, c in model.fields.items() if _target(c) is None]
        if roll < 0.32:
            return self.add_field(model, spec)
        if roll < 0.52 and plain:
            name = rng.choice(plain)
            call, imports = _scalar_field(rng, name)
            model.fields[name] = call
            return Operation(
                "AlterField",
                (("model_name", model.lower), ("name", name), ("field", call)),
                f"alter_{model.lower}_{name}",
                imports | {"from django.db import models"},
            )
        if roll < 0.60 and len(plain) > 2:
            name = rng.choice(plain)
            del model.fields[name]
            return Operation(
                "RemoveField",
                (("model_name", model.lower), ("name", name)),
                f"remove_{model.lower}_{name}",
            )
        if roll < 0.66 and plain:
            old = rng.choice(plain)
            new = self.new_field_name(model)
            model.fields[new] = model.fields.pop(old)
            return Operation(
                "RenameField",
                (("model_name", model.lower), ("old_name", old), ("new_name", new)),
                f"rename_{old}_{model.lower}_{new}",
            )
        if roll < 0.76 and plain:
            columns = rng.sample(plain, min(len(plain), rng.choice((1, 1, 2))))
            digest = f"{rng.getrandbits(24):06x}"
            index_name = f"{self.label[:8]}_{model.lower[:3]}_{columns[0][:7]}_{digest}_idx"
            index = Call(
                "models.Index", (("fields", ListValue(tuple(columns))), ("name", index_name))
            )
            return Operation(
                "AddIndex",
                (("model_name", model.lower), ("index", index)),
                f"{model.lower}_{index_name.lower()}",
                frozenset({"from django.db import models"}),
            )
        if roll < 0.81 and len(plain) >= 2:
            columns = sorted(rng.sample(plain, 2))
            name = f"{self.label}_{model.lower}_unique_{'_'.join(columns)}"
            constraint = Call(
                "models.UniqueConstraint",
                (("fields", TupleValue(tuple(columns))), ("name", name)),
            )
            return Operation(
                "AddConstraint",
                (("model_name", model.lower), ("constraint", constraint)),
                f"{model.lower}_{name}",
                frozenset({"from django.db import models"}),
            )
        if roll < 0.86:
            options: list[tuple[str, Value]] = [
                ("ordering", ListValue((rng.choice(["-id", *model.fields]),)))
            ]
            if rng.random() < 0.5:
                options.append(("verbose_name", model.lower))
            return Operation(
                "AlterModelOptions",
                (("name", model.lower), ("options", DictValue(tuple(options)))),
                f"alter_{model.lower}_options",
            )
        if roll < 0.89 and len(plain) >= 2:
            together = TupleValue(tuple(sorted(rng.sample(plain, 2))))
            return Operation(
                "AlterUniqueTogether",
                (("name", model.lower), ("unique_together", SetValue((together,)))),
                f"alter_{model.lower}_unique_together",
            )
        if roll < 0.92 and len(self.models) > 3:
            victim = rng.choice(sorted(self.models))
            referenced = {_target(c) for m in self.models.values() for c in m.fields.values()}
            if victim != "user" and f"{self.label}.{victim}" not in referenced:
                name = self.models.pop(victim).name
                return Operation("DeleteModel", (("name", name),), f"delete_{victim}")
        if roll < 0.97 or len(self.models) > 12:
            return self.add_field(model, spec)
        return self.create_model(self.new_model_name(), spec, user_fk=rng.random() < 0.3)

    def add_field(self, model: _Model, spec: Spec) -> Operation:
        rng = self.rng
        name = self.new_field_name(model)
        imports: frozenset[str] = frozenset({"from django.db import models"})
        roll = rng.random()
        others = [m for m in sorted(self.models) if m != model.lower]
        if roll < 0.06 and self.label != ACCOUNTS:
            call = _foreign_key(Raw("settings.AUTH_USER_MODEL"), "+", rng)
            imports = _DELETION
            spec.swappable = True
        elif roll < 0.16 and self.earlier:
            other, migration = self.cross_app_target()
            target = f"{other.label}.{rng.choice(other.initial_models)}"
            call = _foreign_key(target, f"{self.label}_{model.lower}s", rng)
            imports = _DELETION
            spec.dependencies.append((other.label, migration))
        elif roll < 0.20 and others:
            related = (
                ("related_name", f"{model.lower}s"),
                ("to", f"{self.label}.{rng.choice(others)}"),
            )
            call = Call("models.ManyToManyField", (("blank", True), *related))
        else:
            call, extra = _scalar_field(rng, name)
            imports |= extra
        model.fields[name] = call
        return Operation(
            "AddField",
            (("model_name", model.lower), ("name", name), ("field", call)),
            f"{model.lower}_{name}",
            imports,
        )

    def cross_app_target(self) -> tuple[AppPlan, str]:
        """An earlier app (mostly a recent one) and one of its (unsquashed) migrations."""
        window = self.earlier[-20:] if self.rng.random() < 0.8 else self.earlier
        other = self.rng.choice(window)
        return other, self.rng.choice([s.name for s in other.specs if not s.replaces])

    def data_migration(self, spec: Spec) -> str:
        model = self.models[self.rng.choice(sorted(self.models))]
        field_name = self.rng.choice(sorted(model.fields) or ["id"])
        function = f"populate_{model.lower}_{field_name}"
        q = self.quote
        spec.run_python = RunPython(
            function,
            (
                f"{model.name} = apps.get_model({q(self.label)}, {q(model.name)})",
                f"for obj in {model.name}.objects.all().iterator(chunk_size=1000):",
                f"    obj.{field_name} = obj.{field_name}",
                f"    obj.save(update_fields=[{q(field_name)}])",
            ),
        )
        return function

    # -- migrations ------------------------------------------------------------------------
    def plan(self) -> AppPlan:
        squash = self.index % SQUASH_EVERY == SQUASH_REMAINDER and self.per_app >= 10
        squash_after = min(20, self.per_app // 3) if squash else 0
        total = self.per_app
        merge_at = (total * 3) // 5 if total >= 8 else 0
        specs: list[Spec] = [self.initial()]
        number = 1
        previous = [specs[0].name]
        while len(specs) < total:
            number += 1
            if number == merge_at and len(specs) + 3 <= total:
                specs += self.merge(number, previous)
                previous = [specs[-1].name]
                number += 1
                continue
            spec = self.regular(number, previous)
            specs.append(spec)
            previous = [spec.name]
            if len(specs) == squash_after and len(specs) < total:
                specs.append(self.squash(specs))
        return AppPlan(self.label, self.index, self.black, specs, self.initial_models)

    def initial(self) -> Spec:
        spec = Spec(name="0001_initial", when=self.tick(), initial=True)
        if self.label == ACCOUNTS:
            spec.dependencies.append(("auth", "0012_alter_user_first_name_max_length"))
            spec.operations.append(_custom_user())
            self.models["user"] = _Model("User", {"username": Call("models.CharField")})
            for _ in range(2):
                name = self.new_model_name()
                spec.operations.append(self.create_model(name, spec, user_fk=False))
            self.initial_models = sorted(self.models)
            return spec
        for position in range(self.rng.randrange(2, 5)):
            user_fk = position == 0 and self.rng.random() < 0.7
            spec.operations.append(self.create_model(self.new_model_name(), spec, user_fk=user_fk))
        if self.earlier and self.rng.random() < 0.3:
            other, migration = self.cross_app_target()
            target = self.rng.choice(other.initial_models)
            model = self.models[self.rng.choice(sorted(self.models))]
            name = target if target not in model.fields else f"{target}_ref"
            related = f"{self.label}_{model.lower}s"
            call = _foreign_key(f"{other.label}.{target}", related, self.rng)
            spec.operations.append(
                Operation(
                    "AddField",
                    (("model_name", model.lower), ("name", name), ("field", call)),
                    f"{model.lower}_{name}",
                    _DELETION,
                )
            )
            model.fields[name] = call
            spec.dependencies.append((other.label, migration))
        self.initial_models = sorted(self.models)
        return spec

    def regular(self, number: int, previous: list[str]) -> Spec:
        spec = Spec(name="", when=self.tick(), dependencies=[(self.label, p) for p in previous])
        if self.rng.random() < 0.04:
            spec.name = f"{number:04d}_{self.data_migration(spec)}"
            return spec
        roll = self.rng.random()
        if roll < 0.15:
            count = 1
        elif roll < 0.65:
            count = self.rng.randrange(2, 7)
        else:
            count = self.rng.randrange(7, 15)
        for _ in range(count):
            spec.operations.append(self.operation(spec))
        fragments = [o.fragment for o in spec.operations if o.fragment]
        spec.name = f"{number:04d}_{migration_name(fragments, spec.when)}"
        spec.dependencies = list(dict.fromkeys(spec.dependencies))  # each dependency once
        return spec

    def merge(self, number: int, previous: list[str]) -> list[Spec]:
        """Two branches' migrations with the same number, and ``makemigrations --merge``."""
        first = self.regular(number, previous)
        second = self.regular(number, previous)
        while second.name == first.name:
            second = self.regular(number, previous)
        when = self.tick()
        leaves = "_".join(sorted((first.name, second.name)))
        suffix = leaves if len(leaves) <= 47 else f"{when:%Y%m%d_%H%M}"
        merge = Spec(
            name=f"{number + 1:04d}_merge_{suffix}",
            when=when,
            dependencies=[(self.label, first.name), (self.label, second.name)],
        )
        return [first, second, merge]

    def squash(self, specs: list[Spec]) -> Spec:
        """``squashmigrations``: the models as they stand; the originals stay on disk."""
        external = sorted({d for s in specs for d in s.dependencies if d[0] != self.label})
        spec = Spec(
            name=f"0001_squashed_{specs[-1].name}",
            when=self.tick(),
            dependencies=external,
            swappable=any(s.swappable for s in specs),
            initial=True,
            replaces=[(self.label, s.name) for s in specs],
        )
        raw = Style(black=False)
        for model in self.models.values():
            if model.name == "User":
                spec.operations.append(_custom_user())
                continue
            fields = [TupleValue(("id", _AUTO_ID))]
            fields += [TupleValue((n, c)) for n, c in model.fields.items()]
            source = " ".join(raw.value(c) for c in model.fields.values())
            imports = {"from django.db import models"}
            if "deletion" in source:
                imports |= _DELETION
            if "uuid" in source:
                imports.add("import uuid")
            spec.operations.append(
                Operation(
                    "CreateModel",
                    (("name", model.name), ("fields", ListValue(tuple(fields)))),
                    model.lower,
                    frozenset(imports),
                )
            )
        return spec


def _custom_user() -> Operation:
    """The ``CreateModel`` ``makemigrations`` writes for ``class User(AbstractUser)``."""
    validator = Call("django.contrib.auth.validators.UnicodeUsernameValidator")
    fields: list[tuple[str, Call]] = [
        ("id", _AUTO_ID),
        ("password", Call("models.CharField", (("max_length", 128), ("verbose_name", "password")))),
        (
            "last_login",
            Call(
                "models.DateTimeField",
                (("blank", True), ("null", True), ("verbose_name", "last login")),
            ),
        ),
        (
            "is_superuser",
            Call(
                "models.BooleanField",
                (
                    ("default", False),
                    (
                        "help_text",
                        "Designates that this user has all permissions without explicitly "
                        "assigning them.",
                    ),
                    ("verbose_name", "superuser status"),
                ),
            ),
        ),
        (
            "username",
            Call(
                "models.CharField",
                (
                    (
                        "error_messages",
                        DictValue((("unique", "A user with that username already exists."),)),
                    ),
                    (
                        "help_text",
                        "Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.",
                    ),
                    ("max_length", 150),
                    ("unique", True),
                    ("validators", ListValue((validator,))),
                    ("verbose_name", "username"),
                ),
            ),
        ),
        (
            "first_name",
            Call(
                "models.CharField",
                (("blank", True), ("max_length", 150), ("verbose_name", "first name")),
            ),
        ),
        (
            "last_name",
            Call(
                "models.CharField",
                (("blank", True), ("max_length", 150), ("verbose_name", "last name")),
            ),
        ),
        (
            "email",
            Call(
                "models.EmailField",
                (("blank", True), ("max_length", 254), ("verbose_name", "email address")),
            ),
        ),
        (
            "is_staff",
            Call(
                "models.BooleanField",
                (
                    ("default", False),
                    ("help_text", "Designates whether the user can log into this admin site."),
                    ("verbose_name", "staff status"),
                ),
            ),
        ),
        (
            "is_active",
            Call(
                "models.BooleanField",
                (
                    ("default", True),
                    (
                        "help_text",
                        "Designates whether this user should be treated as active. "
                        "Unselect this instead of deleting accounts.",
                    ),
                    ("verbose_name", "active"),
                ),
            ),
        ),
        (
            "date_joined",
            Call(
                "models.DateTimeField",
                (("default", Raw("django.utils.timezone.now")), ("verbose_name", "date joined")),
            ),
        ),
        (
            "groups",
            Call(
                "models.ManyToManyField",
                (
                    ("blank", True),
                    (
                        "help_text",
                        "The groups this user belongs to. A user will get all permissions "
                        "granted to each of their groups.",
                    ),
                    ("related_name", "user_set"),
                    ("related_query_name", "user"),
                    ("to", "auth.group"),
                    ("verbose_name", "groups"),
                ),
            ),
        ),
        (
            "user_permissions",
            Call(
                "models.ManyToManyField",
                (
                    ("blank", True),
                    ("help_text", "Specific permissions for this user."),
                    ("related_name", "user_set"),
                    ("related_query_name", "user"),
                    ("to", "auth.permission"),
                    ("verbose_name", "user permissions"),
                ),
            ),
        ),
    ]
    managers = ListValue((TupleValue(("objects", Call("django.contrib.auth.models.UserManager"))),))
    return Operation(
        "CreateModel",
        (
            ("name", "User"),
            ("fields", ListValue(tuple(TupleValue(f) for f in fields))),
            (
                "options",
                DictValue(
                    (
                        ("verbose_name", "user"),
                        ("verbose_name_plural", "users"),
                        ("abstract", False),
                    )
                ),
            ),
            ("managers", managers),
        ),
        "user",
        frozenset(
            {
                "import django.contrib.auth.models",
                "import django.contrib.auth.validators",
                "import django.utils.timezone",
                "from django.db import models",
            }
        ),
    )


# --- the repository ---------------------------------------------------------------------------


def app_labels(apps: int) -> list[str]:
    """``accounts`` then ``app_001``, ``app_002``...: ``apps`` labels in all."""
    width = max(3, len(str(apps - 1)))
    return [ACCOUNTS, *(f"app_{i:0{width}d}" for i in range(1, apps))]


def plan_repo(apps: int, per_app: int, seed: int) -> list[AppPlan]:
    """Every app's migrations, without writing anything."""
    if apps < 1 or per_app < 1:
        raise ValueError("a repository needs at least one app with one migration")
    plans: list[AppPlan] = []
    for index, label in enumerate(app_labels(apps)):
        plans.append(_Planner(label, index, per_app, seed, plans).plan())
    return plans


PYPROJECT = """\
[project]
name = "synthetic-site"
version = "0.0.0"
description = "A synthetic Django project generated by `python -m bench` (seed {seed})."
requires-python = ">=3.10"

[tool.django-migration-manifest.swappable]
AUTH_USER_MODEL = "{user_model}"
"""

MANAGE_PY = """\
#!/usr/bin/env python
\"\"\"Django's command-line utility for administrative tasks.\"\"\"
import os
import sys


def main():
    \"\"\"Run administrative tasks.\"\"\"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
"""

SETTINGS_PY = """\
\"\"\"Settings for the synthetic project generated by ``python -m bench``.\"\"\"

import importlib.util
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "synthetic-benchmark-key-not-a-secret"
DEBUG = True
ALLOWED_HOSTS: list[str] = []

FIRST_PARTY_APPS = [
{first_party}
]
INSTALLED_APPS = [
    *FIRST_PARTY_APPS,
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]
if importlib.util.find_spec("django_linear_migrations") is not None:
    INSTALLED_APPS.append("django_linear_migrations")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "config.urls"
TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        }},
    }},
]
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }}
}}
AUTH_USER_MODEL = "{user_model}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
"""

URLS_PY = """\
from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
"""

APPS_PY = """\
from django.apps import AppConfig


class {cls}Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "{label}"
"""

MODELS_PY = """\
from django.db import models  # noqa: F401

# The models' current state lives in the migrations; the benchmark only reads those.
"""

ACCOUNTS_MODELS_PY = """\
from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    pass
"""


def generate_repo(root: Path, apps: int, per_app: int, seed: int) -> None:
    """Write a synthetic repository of ``apps * per_app`` migrations under ``root``.

    ``root`` is created if needed and must not already hold a generated project. See the module
    docstring for the shape; the same arguments always give the same files.
    """
    plans = plan_repo(apps, per_app, seed)
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    written: list[str] = []

    def write(relative: str, text: str) -> None:
        path = os.path.join(root, relative)
        with open(path, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        written.append(path)

    os.makedirs(root / "config")
    write("pyproject.toml", PYPROJECT.format(seed=seed, user_model=AUTH_USER_MODEL))
    write("manage.py", MANAGE_PY)
    write("config/__init__.py", "")
    first_party = "\n".join(f'    "{plan.label}",' for plan in plans)
    write(
        "config/settings.py",
        SETTINGS_PY.format(first_party=first_party, user_model=AUTH_USER_MODEL),
    )
    write("config/urls.py", URLS_PY)
    for plan in plans:
        os.makedirs(root / plan.label / "migrations")
        cls = "".join(part.capitalize() for part in plan.label.split("_"))
        write(f"{plan.label}/__init__.py", "")
        write(f"{plan.label}/apps.py", APPS_PY.format(cls=cls, label=plan.label))
        models = ACCOUNTS_MODELS_PY if plan.label == ACCOUNTS else MODELS_PY
        write(f"{plan.label}/models.py", models)
        write(f"{plan.label}/migrations/__init__.py", "")
        style = Style(plan.black)
        for spec in plan.specs:
            write(
                f"{plan.label}/migrations/{spec.name}.py",
                render_migration(plan.label, spec, style),
            )
    for path in written:
        os.utime(path, (FILE_MTIME, FILE_MTIME))
