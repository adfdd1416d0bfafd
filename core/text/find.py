"""Finding a phrase in shown text the way the library's search matches words: without case, Latin accents or ё.

"cafe" finds "Café", "resume" finds "résumé", "еще" finds "ещё", as the full-text search of the
library does (FTS5 folds Latin diacritics; Parley's queries treat ё as е). Cyrillic letters such as
й keep their marks, since й and и are different letters, whether the text writes them as one
character or as и and a combining breve. So do the letters a language's alphabet has of its own
(OWN_LETTERS): in Swedish "sa" (said) does not find "så" (so), nor "har" (has) "här" (here).
Spaces in the query match any run of spaces. Unlike the library's search, a phrase is found inside
words too ("budget" in "budgets"), as an editor finds.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from core.text.language import language_of

# letters that stand in their language's alphabet apart from the letter they look marked from (Swedish and Finnish
# sort å, ä, ö after z); æ and ø never fold, so they need no entry
OWN_LETTERS = {"sv": "åäö", "fi": "åäö", "da": "å", "nb": "å", "nn": "å", "no": "å"}


def own_letters(locale: str | None) -> str:
    """Return the letters a locale's language keeps apart from the unmarked letter ('' for most)."""
    return OWN_LETTERS.get(language_of(locale), "") if locale else ""


@dataclass(frozen=True)
class Folded:
    """Text as compared, and for each of its characters the original range [start, end) it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]


def _units(text: str):
    """Yield (start, end) of each character with the combining marks that follow it."""
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not unicodedata.combining(text[i]):
            yield start, i
            start = i


def _fold_unit(unit: str, own: str = "") -> str:
    lowered = unicodedata.normalize("NFC", unit).casefold()
    if lowered == "ё":
        return "е"
    if lowered in own:
        return lowered
    decomposed = unicodedata.normalize("NFD", lowered)
    if decomposed[:1].isascii() and len(decomposed) > 1:
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    return lowered


def fold(text: str, locale: str | None = None) -> Folded:
    """Return the text as compared: lowercase, Latin letters without their marks (but the locale's own letters), ё as е."""
    own = own_letters(locale)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _units(text):
        for c in _fold_unit(text[start:end], own):
            out.append(c)
            starts.append(start)
            ends.append(end)
    return Folded("".join(out), tuple(starts), tuple(ends))


def phrase_pattern(query: str, locale: str | None = None) -> re.Pattern | None:
    """Return the pattern of a query in text of the locale (None when it holds nothing to find)."""
    words = fold(query, locale).text.split()
    return re.compile(r"\s+".join(re.escape(w) for w in words)) if words else None


def matches(folded: Folded, pattern: re.Pattern | None) -> list[tuple[int, int]]:
    """Return the original (start, end) ranges where the pattern is found, in order and without overlaps."""
    found: list[tuple[int, int]] = []
    if pattern is None:
        return found
    for m in pattern.finditer(folded.text):
        start, end = folded.starts[m.start()], folded.ends[m.end() - 1]
        if not found or start >= found[-1][1]:  # "s" in "ß" (folded "ss") is one place, not two
            found.append((start, end))
    return found


def find_all(text: str, query: str, locale: str | None = None) -> list[tuple[int, int]]:
    """Return the (start, end) index ranges in `text` (of the locale) where `query` is found, in order, without overlaps."""
    return matches(fold(text, locale), phrase_pattern(query, locale))
