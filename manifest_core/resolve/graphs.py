"""Graph questions resolve asks: which migrations only one leaf descends from, and numbering."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from manifest_core.graph import Graph
from manifest_core.model import Key

from .numbering import first_number, parse_number


def lineage(graph: Graph, key: Key) -> set[Key]:
    """``key`` and everything it depends on, directly or not."""
    return graph.ancestors(key) | {key}


def exclusive(graph: Graph, app: str, leaf: Key, others: Iterable[Key]) -> set[Key]:
    """The app's migrations ``leaf`` descends from and none of ``others`` does."""
    mine = lineage(graph, leaf)
    for other in others:
        mine -= lineage(graph, other)
    return {k for k in mine if k[0] == app}


def replaced_members(graph: Graph, app: str, squashes: Collection[Key]) -> set[Key]:
    """Migration files of ``app`` replaced (directly or through a nested squash) by ``squashes``."""
    found: set[Key] = set()
    for replaced, squash in graph.replaced_by.items():
        if replaced[0] != app:
            continue
        seen = set()
        while squash not in squashes and squash in graph.replaced_by and squash not in seen:
            seen.add(squash)
            squash = graph.replaced_by[squash]
        if squash in squashes:
            found.add(replaced)
    return found


def number_after(graph: Graph, leaf: Key) -> int:
    """The number the next migration after ``leaf`` takes, as ``makemigrations`` counts.

    ``parse_number(leaf) + 1``; for a leaf without a number, one more than the highest number
    among its ancestors in the app (Django would restart at 1, which only confuses).
    """
    number = parse_number(leaf[1])
    if number is None:
        numbers = [parse_number(k[1]) for k in lineage(graph, leaf) if k[0] == leaf[0]]
        number = max((n for n in numbers if n is not None), default=0)
    return number + 1


def shift_for(members: Iterable[Key], next_number: int) -> int:
    """How much to add to every number so the lowest-numbered member becomes ``next_number``.

    Never negative: migrations already numbered after the other side keep their names.
    """
    numbers = [n for n in (first_number(k[1]) for k in members) if n is not None]
    if not numbers:
        return 0
    return max(0, next_number - min(numbers))


def order(keys: Iterable[Key]) -> list[Key]:
    """Migrations in numbering order (names without a number last, by name)."""

    def sort_key(key: Key) -> tuple[int, int, str]:
        number = first_number(key[1])
        return (0 if number is not None else 1, number or 0, key[1])

    return sorted(keys, key=sort_key)
