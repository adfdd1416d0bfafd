"""Punctuation modes of the batch-transcription service: None, Dictated, Automatic, DictatedAndAutomatic.

Automatic punctuation is what the recogniser wrote. Dictated punctuation turns the spoken names
of marks into the marks ("see you tomorrow period" → "see you tomorrow."). A mark's name after
a determiner is a noun and stays a word ("a long period"). The names are English: in any other
language they are ordinary words (Swedish "period", French "colon"), so only English text gets dictated marks.
"""

from __future__ import annotations

from core.text.language import DEFAULT_LOCALE, language_of

PUNCTUATION_MODES = ("None", "Dictated", "Automatic", "DictatedAndAutomatic")
DEFAULT_PUNCTUATION = "DictatedAndAutomatic"

# spoken mark names, longest first so "question mark" wins over a lone "mark"
_DICTATED = (
    (("exclamation", "point"), "!"),
    (("exclamation", "mark"), "!"),
    (("question", "mark"), "?"),
    (("full", "stop"), "."),
    (("semi", "colon"), ";"),
    (("period",), "."),
    (("comma",), ","),
    (("semicolon",), ";"),
    (("colon",), ":"),
)
_SENTENCE_END = ".?!"
# marks the recogniser writes; apostrophes, $ % and the dots of decimals and abbreviations are part of words
_MARKS = "\"“”‘’«»()[]{}.,;:!?¿¡…—–"
_DETERMINERS = {"a", "an", "the", "this", "that", "each", "every", "one", "per", "no", "any", "some"}
# words that often stand between a determiner and a mark's name used as a noun ("a long period")
_MODIFIERS = {
    "long", "short", "same", "whole", "entire", "certain", "given", "first", "last", "next", "previous", "final",
    "trial", "grace", "waiting", "transition", "reporting", "billing", "time", "extra", "missing", "serial", "oxford",
}
_ABBREVIATIONS = {"dr.", "mr.", "mrs.", "ms.", "st.", "jr.", "sr.", "vs.", "etc.", "a.m.", "p.m."}


def _word(token: str) -> str:
    return token.strip(_MARKS).lower()


def strip_marks(token: str) -> str:
    """Return a token without the punctuation marks around it (abbreviations keep their dot)."""
    if token.lower().rstrip(_MARKS.replace(".", "")) in _ABBREVIATIONS:
        return token.strip(_MARKS.replace(".", ""))
    return token.strip(_MARKS)


def _is_noun_use(before: list[str]) -> bool:
    """Return whether a mark's name follows a determiner ("a period") or a determiner and a modifier ("a long period")."""
    last = before[-1]
    if last != last.rstrip(_MARKS):
        return False
    if _word(last) in _DETERMINERS:
        return True
    return len(before) > 1 and _word(last) in _MODIFIERS and _word(before[-2]) in _DETERMINERS and before[-2] == before[-2].rstrip(_MARKS)


def _dictated_mark(tokens: list[str], i: int, before: list[str]) -> tuple[str, int] | None:
    if not before or _is_noun_use(before):
        return None
    for words, mark in _DICTATED:
        span = tokens[i : i + len(words)]
        if len(span) == len(words) and tuple(_word(t) for t in span) == words:
            # a mark inside the spoken phrase ("question, mark") means it was not one name
            if any(t.rstrip(_MARKS) != t.strip(_MARKS) or t.strip(_MARKS) != t.rstrip(_MARKS) for t in span[:-1]):
                continue
            return mark, len(words)
    return None


def _capitalize(token: str) -> str:
    for i, ch in enumerate(token):
        if ch.isalpha():
            return token[:i] + ch.upper() + token[i + 1:]
    return token


def apply_punctuation(display: str, mode: str = DEFAULT_PUNCTUATION, locale: str = DEFAULT_LOCALE) -> str:
    """Return display text punctuated as the mode says (None keeps words and capitals, drops every mark).

    Dictated marks apply to English text only; other languages keep their words.
    """
    if mode == "Automatic" or not display:
        return display
    automatic = mode == "DictatedAndAutomatic"
    dictated = mode in ("Dictated", "DictatedAndAutomatic") and language_of(locale) == "en"
    if automatic and not dictated:
        return display
    tokens = display.split(" ")
    out: list[str] = []
    capitalize_next = False
    i = 0
    while i < len(tokens):
        token = tokens[i]
        found = _dictated_mark(tokens, i, out) if dictated else None
        if found:
            mark, used = found
            out[-1] = out[-1].rstrip(_MARKS) + mark
            capitalize_next = mark in _SENTENCE_END
            i += used
            continue
        if not automatic:
            token = strip_marks(token)
            if not token:
                i += 1
                continue
        if capitalize_next:
            token = _capitalize(token)
            capitalize_next = False
        out.append(token)
        i += 1
    return " ".join(out)
