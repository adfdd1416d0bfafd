"""Lazy parts of a view document, so a long conversation can be written without building it in memory.

A view built with ``lazy=True`` holds ``LazyList`` (an array made item by item) and ``LazyText``
(a string joined piece by piece) where a document grows with the conversation. ``materialize``
turns such a document into plain dicts, lists and strings; ``core.export.jsonstream`` writes it
to a file as it goes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class LazyList:
    """A JSON array whose items come from a function called each time the array is read."""

    items: Callable[[], Iterable]

    def __iter__(self) -> Iterator:
        return iter(self.items())


@dataclass(frozen=True)
class LazyText:
    """A JSON string made of pieces joined by a separator, produced each time it is read."""

    pieces: Callable[[], Iterable[str]]
    separator: str = " "

    def __iter__(self) -> Iterator[str]:
        return iter(self.pieces())

    def __str__(self) -> str:
        return self.separator.join(self.pieces())


def materialize(value):
    """Return a document with every lazy part turned into a plain list or string."""
    if isinstance(value, LazyText):
        return str(value)
    if isinstance(value, LazyList):
        return [materialize(item) for item in value]
    if isinstance(value, dict):
        return {key: materialize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [materialize(item) for item in value]
    return value
