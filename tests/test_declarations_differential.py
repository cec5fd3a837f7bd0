"""The declarations reader's fast path gives exactly what the ast reader gives, or declines.

``check`` reads a cold tree's declarations with :func:`manifest_core.reader.parse_declarations`
(a few C-speed searches) and leaves every file it is not certain of to the ast reader. These
tests hold the two equal wherever the fast path answers, on three kinds of input:

* generated ``makemigrations``-shaped modules with the variations people write by hand, and
  with the shapes that must be declined (a keyword argument at the body's indentation, a class
  hidden in a string, augmented assignment, non-literal values, conditional bodies, line
  continuations, another ``Migration`` later, keyword bases...);
* real migrations (Django's own ``django.contrib`` apps, the repository's fixtures and the
  benchmark's synthetic ones) mutated one line at a time;
* every real migration as it is.

Like the ast reader, the fast path answers for a file whose declarations it understands without
checking the syntax of the rest of the module; the mutation tests keep only modules that parse.
"""

from __future__ import annotations

import ast
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from manifest_core.reader import parse_declarations, parse_migration, read_declarations

PATH = "shop/migrations/0002_change.py"
NAME = "0002_change"
TESTS = Path(__file__).parent
REPO = TESTS.parent


def reference(text: str) -> object:
    return parse_migration(PATH, text).decl()._replace(method="fast")


def agrees(text: str) -> bool:
    """Whether the fast path declined, or answered exactly what the ast reader answers."""
    fast = parse_declarations(PATH, NAME, text)
    return fast is None or fast == reference(text)


def parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


# --- generated modules ------------------------------------------------------------------------

_names = st.from_regex(r"[a-z0-9_]{1,10}", fullmatch=True)
_quote = st.sampled_from(["'", '"'])
_gap = st.sampled_from(["", " ", "\n        ", "  "])


@st.composite
def _item(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 6))
    if kind == 0:
        prefix = draw(st.sampled_from(["migrations.", ""]))
        setting = draw(st.sampled_from(["AUTH_USER_MODEL", "X"]))
        return f"{prefix}swappable_dependency(settings.{setting})"
    if kind == 1:
        return draw(
            st.sampled_from(
                [
                    'swappable_dependency("auth.User")',
                    "DEPS[0]",
                    '("a" "b", "c")',
                    '(r"a", "b")',
                    '("a", "b", "c")',
                    '("a",)',
                    "['a', 'b']",
                    '("a", NAME)',
                    '("a", "b#c")',
                    '("a\\\\x", "b")',
                    '("é", "0001_initial")',
                ]
            )
        )
    q1, q2 = draw(_quote), draw(_quote)
    g1, g2 = draw(_gap), draw(_gap)
    comma = draw(st.sampled_from(["", ","]))
    return f"({g1}{q1}{draw(_names)}{q1},{g2}{q2}{draw(_names)}{q2}{comma})"


@st.composite
def _refs_value(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(
            st.sampled_from(
                [
                    "DEPS",
                    "DEPS + [('a', 'b')]",
                    "[('a', 'b')] + [('c', 'd')]",
                    "list(DEPS)",
                    "None",
                    "[('a', 'b')]  # trailing comment",
                    "[('a', 'b')]; x = 1",
                    "[('a', 'b')] \\\n        + []",
                    "[\n        ('a', 'b'),  # why\n    ]",
                    "[('a', 'b')\f]",
                    "[('a', 'b'),\n        ('c', 'd'),\n]",
                    "[x for x in DEPS]",
                    "()",
                    "[]",
                ]
            )
        )
    items = draw(st.lists(_item(), max_size=4))
    open_, close = draw(st.sampled_from([("[", "]"), ("(", ")")]))
    if draw(st.booleans()):
        return open_ + "".join(f"\n        {item}," for item in items) + "\n    " + close
    trailing = "," if items and ((open_ == "(" and len(items) == 1) or draw(st.booleans())) else ""
    return open_ + ", ".join(items) + trailing + close


@st.composite
def _statement(draw: st.DrawFn, indent: str) -> str:
    attr = draw(
        st.sampled_from(["dependencies", "replaces", "run_before", "initial", "atomic", "other"])
    )
    form = draw(st.integers(0, 12))
    if attr in ("initial", "atomic"):
        value = draw(st.sampled_from(["True", "False", "None", "1", "not False", "FLAG"]))
    elif attr == "other":
        value = draw(st.sampled_from(["True", "[('x', 'y')]", "'text'", "f(dependencies=[])"]))
    else:
        value = draw(_refs_value())
    annotation = draw(
        st.sampled_from(["", "", "", ": list", ": list[tuple[str, str]]", ": bool", ': "x"'])
    )
    if form == 0:
        return f"{indent}{attr} += {value}"
    if form == 1:
        return f"{indent}if FLAG:\n{indent}    {attr} = {value}"
    if form == 2:
        return f"{indent}x = dict(\n{indent}{attr} = {value}\n{indent})"
    if form == 3:
        return f"{indent}{attr}: list"
    if form == 4:
        return f"{indent}{attr} = other = {value}"
    if form == 5:
        return f"{indent}x = 1; {attr} = {value}"
    return f"{indent}{attr}{annotation} = {value}"


_PREFIXES = [
    "",
    "# Generated by Django 5.2 on 2025-01-01 00:00\n\n",
    '"""A data migration."""\n\n',
    '"""\nclass Migration(migrations.Migration):\n    dependencies = [("x", "y")]\n"""\n\n',
    "X = '\\\nclass Migration(migrations.Migration):\\\n'\n\n",
    "def forwards(apps, schema_editor):\n    dependencies = ['nothing']\n\n\n",
    "DEPS = [('shop', '0001_initial')]\nNAME = '0001_initial'\nFLAG = True\n\n",
    "class Base(migrations.Migration):\n    dependencies = [('base', '0001')]\n\n\n",
    "@decorate\n",
    "from somewhere import Migration\n\n",
    "# -*- coding: utf-8 -*-\n",
]

_HEADERS = [
    "class Migration(migrations.Migration):",
    "class Migration(migrations.Migration):  # the migration",
    "class Migration(Base):",
    "class Migration():",
    "class Migration:",
    "class Migration(metaclass=abc.ABCMeta):",
    "class Migration(migrations.Migration, other.Mixin):",
    "class Migration(migrations.Migration,):",
    "class Migration(migrations.Migration): pass",
]

_SUFFIXES = [
    "",
    "\n\n    operations = []\n",
    "\n\n    operations = [\n        migrations.RunSQL('SELECT 1 -- initial dependencies'),"
    "\n    ]\n",
    '\n\n    operations = [migrations.RunSQL("""\n    dependencies = [(\'x\', \'y\')]\n""")]\n',
    "\n\n    operations = []\n    dependencies = [('late', '0001')]\n",
    "\n\n    def helper(self):\n        return self.dependencies\n",
    "\n\n\nclass Migration(migrations.Migration):\n    dependencies = []\n",
    "\n\n\nMigration = None\n",
    "\n\n\nMigration.dependencies = []\n",
    "\n\n    class Meta:\n        initial = True\n",
    "\n\n    operations = [\n        migrations.AddField(name='initial'),\n    ]\n",
    "\n<<<<<<< HEAD\n=======\n>>>>>>> other\n",
]


@st.composite
def migration_modules(draw: st.DrawFn) -> str:
    indent = draw(st.sampled_from(["    ", "    ", "\t", "  "]))
    body = [draw(_statement(indent)) for _ in range(draw(st.integers(0, 4)))]
    between = draw(st.sampled_from(["\n", "\n\n", "\n    # note\n", "\n\n    \n"]))
    opening = draw(st.sampled_from(["", "\n", f'{indent}"""Docstring."""\n', "    # first\n"]))
    text = (
        draw(st.sampled_from(_PREFIXES))
        + "from django.conf import settings\nfrom django.db import migrations\n\n\n"
        + draw(st.sampled_from(_HEADERS))
        + "\n"
        + opening
        + (between.join(body) if body else f"{indent}pass")
        + draw(st.sampled_from(_SUFFIXES))
    )
    line_ends = draw(st.sampled_from(["\n", "\n", "\n", "\r\n", "\r"]))
    return text.replace("\n", line_ends)


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=migration_modules())
def test_generated_modules(text: str) -> None:
    assume(parses(text))
    assert agrees(text)


@settings(max_examples=200, deadline=None)
@given(text=migration_modules())
def test_the_full_read_always_equals_the_ast_reader(text: str) -> None:
    """``read_declarations`` (fast path or not) is the ast reader's answer."""
    assume(parses(text))
    expected = parse_migration(PATH, text).decl()
    got = read_declarations(PATH, text.encode())
    assert got._replace(method="x") == expected._replace(method="x")


# --- real migrations, as they are and mutated ---------------------------------------------------


def real_migrations() -> list[Path]:
    found = sorted(TESTS.rglob("migrations/*.py"))
    found += sorted((REPO / "examples").rglob("migrations/*.py"))
    try:
        import django
    except ImportError:  # pragma: no cover - the dev install has Django
        return found
    return found + sorted((Path(django.__file__).parent / "contrib").glob("*/migrations/0*.py"))


REAL = [p for p in real_migrations() if p.name != "__init__.py"]

_MUTATIONS = [
    "{i}dependencies = [('x', '0001')]",
    "{i}dependencies += [('x', '0001')]",
    "{i}replaces = [('x', '0001'), ('x', '0002')]",
    "{i}run_before = [('x', '0003')]",
    "{i}initial = True",
    "{i}initial = 1",
    "{i}atomic = False",
    "{i}dependencies = DEPS",
    "{i}if True:\n{i}    initial = False",
    "{i}x = dict(\n{i}dependencies=[('k', 'w')]\n{i})",
    '{i}"""initial dependencies"""',
    "{i}# dependencies = []",
    "Migration = object",
    "class Migration(migrations.Migration):\n    initial = None",
    "del Migration",
    "{i}def f(self):\n{i}    dependencies = []",
    "{i}class Inner:\n{i}    dependencies = [('n', '1')]",
    "{i}pass",
    "",
    "x = '''",
    "'''",
]


@pytest.mark.parametrize("seed", range(4))
def test_real_migrations_mutated_line_by_line(seed: int) -> None:
    rng = random.Random(seed)
    checked = answered = 0
    for path in REAL:
        original = path.read_text(encoding="utf-8")
        lines = original.split("\n")
        for _ in range(6):
            mutated = list(lines)
            at = rng.randrange(len(mutated) + 1)
            indent = rng.choice(["", "    ", "        "])
            action = rng.randrange(3)
            if action == 0 and mutated:
                del mutated[min(at, len(mutated) - 1)]
            elif action == 1 and mutated:
                victim = min(at, len(mutated) - 1)
                mutated[victim] = rng.choice(_MUTATIONS).format(i=indent)
            else:
                mutated.insert(at, rng.choice(_MUTATIONS).format(i=indent))
            text = "\n".join(mutated)
            if not parses(text):
                continue
            checked += 1
            fast = parse_declarations(PATH, NAME, text)
            if fast is not None:
                answered += 1
                assert fast == reference(text), f"{path} mutated:\n{text}"
    assert checked > len(REAL)  # the test saw both outcomes
    assert answered > len(REAL) // 2


def test_every_real_migration_reads_the_same_both_ways() -> None:
    answered = 0
    for path in REAL:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        expected = parse_migration(PATH, text).decl()
        assert read_declarations(PATH, data)._replace(method="x") == expected._replace(
            method="x"
        ), path
        fast = parse_declarations(PATH, NAME, text)
        if fast is not None:
            answered += 1
            assert fast == expected._replace(method="fast"), path
    contrib = [p for p in REAL if "contrib" in p.parts]
    assert len(contrib) > 20
    assert answered > len(REAL) // 2


def test_synthetic_makemigrations_files_take_the_fast_path(tmp_path: Path) -> None:
    from bench.synth import generate_repo

    generate_repo(tmp_path, 3, 30, seed=7)
    files = sorted(tmp_path.glob("*/migrations/0*.py"))
    assert len(files) == 90
    for path in files:
        text = path.read_text(encoding="utf-8")
        fast = parse_declarations(PATH, NAME, text)
        assert fast is not None, path
        assert fast == reference(text), path


# --- shapes the fast path must decline ----------------------------------------------------------

BASE = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            BASE + "    x = dict(\n    dependencies = [('a', 'b')]\n    )\n", id="keyword-argument"
        ),
        pytest.param(
            '"""\nclass Migration(migrations.Migration):\n    dependencies = [("a", "b")]\n"""\n',
            id="class-in-a-docstring",
        ),
        pytest.param(
            "from django.db import migrations\n\n\n"
            "class Migration(metaclass=abc.ABCMeta):\n    dependencies = [('a', 'b')]\n",
            id="keyword-base",
        ),
        pytest.param(BASE + "    dependencies: int  # = [('a', 'b')]\n", id="comment-annotation"),
        pytest.param(BASE + "    dependencies = [('a', 'b')]\n    dependencies += [('c', 'd')]\n"),
        pytest.param(BASE + "    operations = []\n    initial = True\n", id="late-initial"),
    ],
)
def test_shapes_the_fast_path_declines(text: str) -> None:
    assert parses(text)
    assert parse_declarations(PATH, NAME, text) is None
    assert read_declarations(PATH, text.encode()) == parse_migration(PATH, text).decl()
