"""Whisper's word pieces as written words: "d'être", "well-known" and "est-ce" are one word, and unspaced scripts join without spaces.

faster-whisper cuts a transcript into word pieces where a token begins with a space or is
punctuation. A piece opened by punctuation with no space before it ("'être", "-known", "-ce") is
the rest of the word before it, and so is a piece of punctuation alone (French writes " !" and
" ?" with a space before them), so Parley glues it on: the word's time runs from the first piece's
start to the last piece's end, and its confidence is the least sure piece's. Languages written
without spaces (faster-whisper splits them per character run) keep their pieces, and their text is
joined with no space between them. An opening mark alone (" «") goes before the word after it; a
dash alone stays a word. A character whisper generated only part of (its bytes cut short, decoded
as U+FFFD) is left out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from core.text.language import language_of

# the languages faster-whisper splits on characters rather than spaces (faster_whisper.tokenizer.split_to_word_tokens)
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "my", "yue"})
OPENING = "\"'“‘«¿¡([{„"  # marks that belong to the word after them
DASHES = "-‐–—"  # a dash alone, between two spaces, is a word of its own
SENTENCE_ENDS = ".。!！?？"  # marks that end a sentence, as whisper writes them
BROKEN = "\ufffd"  # what decoding leaves of a character whisper generated only part of the bytes of


def ends_sentence(text: str) -> bool:
    """Return whether a word or phrase ends with a sentence end (SENTENCE_ENDS), trailing spaces aside."""
    return text.rstrip()[-1:] in SENTENCE_ENDS


class Piece(NamedTuple):
    """A word piece as whisper's alignment gives it: text with its leading space, start and end in seconds, probability."""

    text: str
    start: float
    end: float
    probability: float


def spaced(locale: str | None) -> bool:
    """Return whether a language (a whisper code or a locale such as "fr-FR"; None: English) puts spaces between words."""
    return language_of(locale) not in UNSPACED_LANGUAGES


def glued(pieces: Iterable[Piece], locale: str | None) -> list[Piece]:
    """Return the written words of one decoded passage's pieces, stripped of their spaces (empty pieces dropped)."""
    words: list[Piece] = []
    opening: Piece | None = None  # a spaced opening mark (French " «"), put before the next word
    join = spaced(locale)
    for piece in pieces:
        text = piece.text.replace(BROKEN, "").strip()
        if not text:
            continue
        if opening is not None:
            text, piece = opening.text + text, Piece(piece.text, opening.start, piece.end, min(opening.probability, piece.probability))
            opening = None
        marks_only = not any(c.isalnum() for c in text) and not all(c in DASHES for c in text)
        if marks_only and all(c in OPENING for c in text):
            opening = Piece(text, piece.start, piece.end, piece.probability)
        elif words and (marks_only or (join and not piece.text[:1].isspace())):  # the rest of the word before it
            last = words[-1]
            words[-1] = Piece(last.text + text, last.start, max(last.end, piece.end), min(last.probability, piece.probability))
        else:
            words.append(Piece(text, piece.start, piece.end, piece.probability))
    if opening is not None:  # nothing followed it
        words.append(opening)
    return words


def joined(texts: Iterable[str], locale: str | None) -> str:
    """Return words as one text: spaced between them, or run together in a language written without spaces."""
    return (" " if spaced(locale) else "").join(texts)


def capitalized(text: str) -> str:
    """Return a phrase's text beginning with a capital, as Azure's Display always does: whisper starts a phrase cut
    from a longer sentence (at a speaker change, a long result, after a pause) in lower case. A first word cased on
    purpose (iPhone, eBay) and a phrase that begins with a number stay as they are."""
    start = next((k for k, c in enumerate(text) if not (c.isspace() or c in OPENING or c in DASHES)), len(text))
    word = text[start:].split(maxsplit=1)[0] if start < len(text) else ""
    if not word[:1].islower() or word[1:] != word[1:].lower():
        return text
    return text[:start] + word[0].upper() + text[start + 1:]
