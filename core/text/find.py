"""Finding a phrase in shown text the way the library's search matches words: without case, Latin accents or ё.

"cafe" finds "Café", "resume" finds "résumé", "еще" finds "ещё", as the full-text search of the
library does (FTS5 folds Latin diacritics; Parley's queries treat ё as е). Cyrillic letters such as
й keep their marks, since й and и are different letters. Spaces in the query match any run of
spaces, so a phrase found across a line break in the text is found all the same.
"""

from __future__ import annotations

import re
import unicodedata


def _fold(char: str) -> str:
    """Return one character as compared: lowercase, a Latin letter without its marks, ё as е."""
    lowered = char.casefold()
    if lowered == "ё":
        return "е"
    base = unicodedata.normalize("NFD", lowered)
    if len(base) > 1 and base[0].isascii():
        return "".join(c for c in base if not unicodedata.combining(c))
    return lowered


def folded(text: str) -> tuple[str, list[int]]:
    """Return the text as compared, and for each of its characters the index in `text` it came from."""
    out: list[str] = []
    origin: list[int] = []
    for i, char in enumerate(text):
        for c in _fold(char):
            out.append(c)
            origin.append(i)
    return "".join(out), origin


def find_all(text: str, query: str) -> list[tuple[int, int]]:
    """Return the (start, end) index ranges in `text` where `query` is found, in order, without overlaps."""
    words = folded(query)[0].split()
    if not words:
        return []
    haystack, origin = folded(text)
    pattern = re.compile(r"\s+".join(re.escape(w) for w in words))
    return [(origin[m.start()], origin[m.end() - 1] + 1) for m in pattern.finditer(haystack)]
