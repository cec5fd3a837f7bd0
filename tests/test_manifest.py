"""migrations.toml: rendered byte for byte, read back in whatever state git leaves it."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from manifest_core.manifest import HEADER, parse_manifest, render_manifest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

APPS = {
    "blog": ("0002_post_slug", "blog/migrations"),
    "accounts": ("0001_initial", "accounts/migrations"),
    "shop": ("0010_squashed_0014_orders", "src/shop/migrations"),
}


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(needle):
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


def test_rendered_layout() -> None:
    text = render_manifest(APPS)
    assert text.startswith(HEADER)
    assert "python -m manifest_core resolve" in HEADER
    assert "python -m manifest_core update" in HEADER
    assert text.endswith('path = "src/shop/migrations"\n')
    assert "\r" not in text
    body = text[len(HEADER) :]
    assert body == (
        "\n"
        "version = 1\n"
        "\n"
        "[apps.accounts]\n"
        'head = "0001_initial"\n'
        'path = "accounts/migrations"\n'
        "\n"
        "[apps.blog]\n"
        'head = "0002_post_slug"\n'
        'path = "blog/migrations"\n'
        "\n"
        "[apps.shop]\n"
        'head = "0010_squashed_0014_orders"\n'
        'path = "src/shop/migrations"\n'
    )


def test_same_input_same_bytes_whatever_the_order() -> None:
    reordered = dict(reversed(list(APPS.items())))
    assert render_manifest(reordered) == render_manifest(APPS)


_labels = st.from_regex(r"[a-z_][a-z0-9_]{0,15}", fullmatch=True)
_names = st.from_regex(r"[0-9]{4}_[a-z0-9_]{1,20}|[a-z][a-z0-9_]{0,20}", fullmatch=True)
_paths = st.from_regex(r"[a-z][a-z0-9_]{0,8}(/[a-z][a-z0-9_]{0,8}){0,3}/migrations", fullmatch=True)


@given(apps=st.dictionaries(_labels, st.tuples(_names, _paths), max_size=12))
def test_round_trip(apps: dict[str, tuple[str, str]]) -> None:
    text = render_manifest(apps)
    manifest = parse_manifest(text)
    assert manifest.problems == ()
    assert {label: (e.head, e.path) for label, e in manifest.entries.items()} == apps
    expected = {label: {"head": head, "path": path} for label, (head, path) in apps.items()}
    assert tomllib.loads(text)["apps"] == expected
    for label, entry in manifest.entries.items():
        assert text.splitlines()[entry.line - 1] == f"[apps.{label}]"
        assert entry.head_line == entry.line + 1
        assert entry.path_line == entry.line + 2


def test_two_way_conflict() -> None:
    text = render_manifest(APPS).replace(
        'head = "0002_post_slug"\n',
        '<<<<<<< HEAD\nhead = "0003_a"\n=======\nhead = "0003_b"\n>>>>>>> feature\n',
    )
    manifest = parse_manifest(text)
    assert manifest.conflicted
    assert manifest.conflicted_labels() == {"blog"}
    assert manifest.entries["blog"].head == "0003_a"
    assert manifest.theirs is not None
    assert manifest.theirs["blog"].head == "0003_b"
    assert manifest.base is None
    assert manifest.entries["shop"].head == "0010_squashed_0014_orders"
    (problem,) = manifest.problems
    start = line_of(text, "<<<<<<<")
    assert problem.code == "MM002"
    assert problem.line == start
    assert problem.message == (
        f"git conflict markers (lines {start}-{start + 4}): blog (0003_a vs 0003_b)"
    )
    assert manifest.entries["blog"].head_line == start + 1
    assert manifest.theirs["blog"].head_line == start + 3


def test_diff3_conflict_has_a_base() -> None:
    text = render_manifest(APPS).replace(
        'head = "0002_post_slug"\n',
        '<<<<<<< ours\nhead = "0003_a"\n||||||| base\nhead = "0002_post_slug"\n'
        '=======\nhead = "0003_b"\n>>>>>>> theirs\n',
    )
    manifest = parse_manifest(text)
    assert manifest.base is not None
    assert manifest.base["blog"].head == "0002_post_slug"
    assert manifest.entries["blog"].head == "0003_a"
    assert manifest.theirs is not None
    assert manifest.theirs["blog"].head == "0003_b"
    assert manifest.conflict is not None
    assert manifest.conflict.hunks[0].ours_label == "ours"
    assert manifest.conflict.hunks[0].theirs_label == "theirs"


def test_one_hunk_across_several_apps() -> None:
    ours = render_manifest({**APPS, "blog": ("0003_a", "blog/migrations")})
    theirs = render_manifest(
        {**APPS, "blog": ("0003_b", "blog/migrations"), "shop": ("0015_x", "src/shop/migrations")}
    )
    start = line_of(ours, "[apps.blog]")
    ours_lines, theirs_lines = ours.splitlines(), theirs.splitlines()
    merged = [
        *ours_lines[: start - 1],
        "<<<<<<< HEAD",
        *ours_lines[start - 1 :],
        "=======",
        *theirs_lines[start - 1 :],
        ">>>>>>> feature",
    ]
    manifest = parse_manifest("\n".join(merged) + "\n")
    assert manifest.conflicted_labels() == {"blog", "shop"}
    (problem,) = manifest.problems
    assert "blog (0003_a vs 0003_b)" in problem.message
    assert "shop (0010_squashed_0014_orders vs 0015_x)" in problem.message


def test_incomplete_markers() -> None:
    text = render_manifest(APPS).replace('head = "0002_post_slug"\n', '<<<<<<< HEAD\nhead = "x"\n')
    manifest = parse_manifest(text)
    assert [p.code for p in manifest.problems] == ["MM002"]
    assert manifest.problems[0].message.startswith("an incomplete set of git conflict markers")
    assert manifest.problems[0].line == line_of(text, "<<<<<<<")


def test_duplicate_table_and_key() -> None:
    text = render_manifest(APPS) + '\n[apps.blog]\nhead = "x"\npath = "y"\n'
    text = text.replace('head = "0001_initial"\n', 'head = "0001_initial"\nhead = "0002"\n')
    manifest = parse_manifest(text)
    duplicates = [(p.code, p.line, p.message) for p in manifest.problems]
    first_blog = line_of(text, "[apps.blog]")
    first_head = line_of(text, 'head = "0001_initial"')
    assert duplicates == [
        (
            "MM004",
            line_of(text, 'head = "0002"'),
            f"head is declared twice (first on line {first_head}); the first is used",
        ),
        (
            "MM004",
            line_of(text, "[apps.blog]", 2),
            f"[apps.blog] is declared twice (first on line {first_blog}); the first is used",
        ),
    ]
    assert manifest.entries["blog"].head == "0002_post_slug"
    assert manifest.entries["accounts"].head == "0001_initial"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        pytest.param(
            'path = "blog/migrations"',
            "path = blog",
            "is not valid TOML: Invalid value",
            id="bare-value",
        ),
        pytest.param(
            "[apps.blog]",
            "[apps.blog",
            "is not valid TOML: Expected ']' at the end of a table declaration",
            id="header",
        ),
    ],
)
def test_malformed_toml_is_located_and_the_rest_is_kept(old: str, new: str, message: str) -> None:
    text = render_manifest(APPS).replace(old, new)
    manifest = parse_manifest(text)
    (problem,) = manifest.problems
    assert problem.code == "MM003"
    assert problem.line == line_of(text, new)
    assert problem.message == message
    assert manifest.entries["accounts"].head == "0001_initial"


@pytest.mark.parametrize(
    ("replacement", "code", "message"),
    [
        pytest.param(
            "../../etc",
            "MM010",
            "apps.blog.path '../../etc' is not a relative path inside the repository",
            id="climbs",
        ),
        pytest.param(
            "/etc/passwd",
            "MM010",
            "apps.blog.path '/etc/passwd' is not a relative path inside the repository",
            id="absolute",
        ),
        pytest.param(
            "C:/x",
            "MM010",
            "apps.blog.path 'C:/x' is not a relative path inside the repository",
            id="drive",
        ),
    ],
)
def test_unsafe_paths(replacement: str, code: str, message: str) -> None:
    text = render_manifest(APPS).replace('path = "blog/migrations"', f'path = "{replacement}"')
    manifest = parse_manifest(text)
    (problem,) = manifest.problems
    assert (problem.code, problem.message) == (code, message)
    assert problem.line == line_of(text, "path = ", 2)
    assert manifest.entries["blog"].path is None


def test_unexpected_shapes() -> None:
    text = 'version = 2\nextra = 1\n[apps.blog]\nhead = 3\nbranch = "x"\n'
    manifest = parse_manifest(text)
    assert [(p.code, p.line, p.message) for p in manifest.problems] == [
        (
            "MM003",
            2,
            "unknown top-level key 'extra' (expected 'version' and [apps.<label>] tables)",
        ),
        (
            "MM003",
            1,
            "format version 2 was written by a newer django-migration-manifest "
            "(this one reads version 1); upgrade it",
        ),
        ("MM003", 3, "apps.blog: unknown key 'branch' (expected 'head' and 'path')"),
        ("MM003", 4, "apps.blog.head must be a migration name"),
        ("MM003", 3, "apps.blog.path must be the app's migrations folder"),
    ]


def test_inline_tables_are_understood() -> None:
    text = '[apps]\nblog = { head = "0002_x", path = "blog/migrations" }\n'
    manifest = parse_manifest(text)
    assert manifest.problems == ()
    assert manifest.entries["blog"].head == "0002_x"
    assert manifest.entries["blog"].line == 2


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_manifest(text: str) -> None:
    manifest = parse_manifest(text)
    assert manifest.exists
    assert manifest.entries == {}
    assert [(p.code, p.line, p.message, p.hint) for p in manifest.problems] == [
        ("MM003", 1, "migrations.toml is empty", "run `python -m manifest_core update` to write it")
    ]


def test_insertion_line_for_a_missing_app() -> None:
    text = render_manifest(APPS)
    manifest = parse_manifest(text)
    assert manifest.insertion_line("books") == line_of(text, "[apps.shop]")
    assert manifest.insertion_line("zoo") == len(text.splitlines())
