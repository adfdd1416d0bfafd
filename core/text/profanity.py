"""Profanity filtering as the batch-transcription service offers it: None, Removed, Tags or Masked.

English uses better-profanity's maintained list (it also catches common leetspeak spellings); French,
Swedish and Russian use the short lists of ``core.text.swearing``; other languages are not filtered
(an English list would mask Swedish "slut", "sex" and "rum").
"""

from __future__ import annotations

from functools import lru_cache

from core.text.language import DEFAULT_LOCALE, language_of
from core.text.swearing import SWEAR_WORDS

PROFANITY_MODES = ("None", "Removed", "Tags", "Masked")
DEFAULT_PROFANITY = "Masked"
_EDGE = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…—–-*_/\\|~`"


@lru_cache(maxsize=1)
def _checker():
    from better_profanity import profanity

    profanity.load_censor_words()
    return profanity


@lru_cache(maxsize=1)
def _plain_words() -> frozenset[str]:
    return frozenset(str(word).lower() for word in _checker().CENSOR_WORDSET)


@lru_cache(maxsize=8192)
def _listed(core: str) -> bool:
    return _checker().contains_profanity(core)


def _elided(core: str) -> str:
    # French elides articles and pronouns into the word: "l'enculé", "d’merde"
    return core.replace("’", "'").rsplit("'", 1)[-1]


def is_profane(word: str, locale: str = DEFAULT_LOCALE) -> bool:
    """Return whether one word (punctuation around it ignored) is on the profanity list of the locale's language."""
    core = word.strip(_EDGE)
    if not core:
        return False
    language = language_of(locale)
    if language != "en":
        words = SWEAR_WORDS.get(language, frozenset())
        return core.lower() in words or _elided(core).lower() in words
    # a word of letters only can match the list only as spelled there (leetspeak variants hold digits or
    # symbols): a set lookup gives better-profanity's answer ~1000 times faster than its matcher
    if core.isalpha():
        return core.lower() in _plain_words()
    return _listed(core)


def filter_word(token: str, mode: str, locale: str = DEFAULT_LOCALE) -> str | None:
    """Return one token as the profanity mode shows it, or None when the mode removes it."""
    if mode == "None" or not is_profane(token, locale):
        return token
    core = token.strip(_EDGE)
    if language_of(locale) == "fr":  # an elided article stays: "l'*******"
        core = _elided(core)
    if mode == "Removed":
        return None
    if mode == "Tags":
        return token.replace(core, f"<profanity>{core}</profanity>", 1)
    return token.replace(core, "*" * len(core), 1)


def filter_profanity(text: str, mode: str = DEFAULT_PROFANITY, locale: str = DEFAULT_LOCALE) -> str:
    """Return text with each profane word of the locale's language kept, removed, tagged or masked with asterisks."""
    if mode == "None" or not text:
        return text
    out: list[str] = []
    for token in text.split(" "):
        shown = filter_word(token, mode, locale)
        if shown is None:
            # a removed word leaves its closing mark ("this shit, hello" -> "this, hello")
            tail = token[len(token.rstrip(_EDGE)):].lstrip("*_-")
            if out and tail and out[-1][-1:] not in _EDGE:
                out[-1] += tail
            continue
        if shown:
            out.append(shown)
    return " ".join(out)
