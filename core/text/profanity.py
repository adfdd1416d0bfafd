"""Profanity filtering as the batch-transcription service offers it: None, Removed, Tags or Masked.

The word list is better-profanity's maintained list (it also catches common leetspeak spellings).
"""

from __future__ import annotations

from functools import lru_cache

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


def is_profane(word: str) -> bool:
    """Return whether one word (punctuation around it ignored) is on the profanity list."""
    core = word.strip(_EDGE)
    if not core:
        return False
    # a word of letters only can match the list only as spelled there (leetspeak variants hold digits or
    # symbols): a set lookup gives better-profanity's answer ~1000 times faster than its matcher
    if core.isalpha():
        return core.lower() in _plain_words()
    return _listed(core)


def filter_word(token: str, mode: str) -> str | None:
    """Return one token as the profanity mode shows it, or None when the mode removes it."""
    if mode == "None" or not is_profane(token):
        return token
    core = token.strip(_EDGE)
    if mode == "Removed":
        return None
    if mode == "Tags":
        return token.replace(core, f"<profanity>{core}</profanity>", 1)
    return token.replace(core, "*" * len(core), 1)


def filter_profanity(text: str, mode: str = DEFAULT_PROFANITY) -> str:
    """Return text with each profane word kept, removed, wrapped in <profanity> tags or masked with asterisks."""
    if mode == "None" or not text:
        return text
    out: list[str] = []
    for token in text.split(" "):
        shown = filter_word(token, mode)
        if shown is None:
            # a removed word leaves its closing mark ("this shit, hello" -> "this, hello")
            tail = token[len(token.rstrip(_EDGE)):].lstrip("*_-")
            if out and tail and out[-1][-1:] not in _EDGE:
                out[-1] += tail
            continue
        if shown:
            out.append(shown)
    return " ".join(out)
