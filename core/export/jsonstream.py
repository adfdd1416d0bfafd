"""A JSON writer for view documents with lazy parts: arrays and joined strings are written as they are made.

The output is what ``json.dump(materialize(document), indent=2, ensure_ascii=False)`` would write,
but a long conversation's phrases never sit in memory together: each item of a ``LazyList``
(a plain JSON value) is written and dropped before the next is made.
"""

from __future__ import annotations

import json
from typing import IO

from core.views.lazy import LazyList, LazyText

INDENT = 2


def _plain(value, stream: IO[str], level: int) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=INDENT)
    stream.write(text.replace("\n", "\n" + " " * (INDENT * level)) if level else text)


def _text(value: LazyText, stream: IO[str]) -> None:
    stream.write('"')
    separator = json.dumps(value.separator, ensure_ascii=False)[1:-1]
    first = True
    for piece in value:
        if not first:
            stream.write(separator)
        stream.write(json.dumps(piece, ensure_ascii=False)[1:-1])
        first = False
    stream.write('"')


def _array(items, stream: IO[str], level: int, lazy_items: bool) -> None:
    inner = " " * (INDENT * (level + 1))
    empty = True
    for item in items:
        stream.write("[\n" + inner if empty else ",\n" + inner)
        empty = False
        if lazy_items:
            _plain(item, stream, level + 1)
        else:
            _value(item, stream, level + 1)
    stream.write("[]" if empty else "\n" + " " * (INDENT * level) + "]")


def _value(value, stream: IO[str], level: int) -> None:
    if isinstance(value, LazyText):
        _text(value, stream)
    elif isinstance(value, LazyList):
        _array(value, stream, level, lazy_items=True)
    elif isinstance(value, list):
        _array(value, stream, level, lazy_items=False)
    elif isinstance(value, dict):
        if not value:
            stream.write("{}")
            return
        inner = " " * (INDENT * (level + 1))
        for i, (key, item) in enumerate(value.items()):
            stream.write(("{\n" if i == 0 else ",\n") + inner + json.dumps(key, ensure_ascii=False) + ": ")
            _value(item, stream, level + 1)
        stream.write("\n" + " " * (INDENT * level) + "}")
    else:
        _plain(value, stream, level)


def dump(document, stream: IO[str]) -> None:
    """Write a view document (plain or with lazy parts) as indented JSON to a text stream."""
    _value(document, stream, 0)
