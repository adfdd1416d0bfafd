"""The four text forms of a hypothesis: Lexical, ITN, MaskedITN and Display.

Whisper writes display text (punctuation, capitals, mostly digits). Display is that text
inverse-normalised (``core.text.itn``: spelled numbers, years, times, money, titles); from it
we derive ITN (lowercase, no punctuation, numbers kept as digits), Lexical (ITN with numbers
spelled out by num2words, titles as said) and MaskedITN (ITN with profanity masked by
better-profanity's maintained word list). Options that change how a form is shown
(profanity, punctuation, hesitations) apply later, at view time: ``core.text.options``.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from num2words import num2words

from core.results import TextForms
from core.text.itn import inverse_normalize

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
# punctuation that never belongs to a word's ITN form (apostrophes inside words stay)
_EDGE_PUNCT = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…—–-*_/\\|~`"
_NUMBER = re.compile(r"^(?P<cur>[$€£¥]?)(?P<num>\d+(?:[.,:]\d+)*)(?P<suffix>%|st|nd|rd|th|s)?$")
_CURRENCY_WORDS = {"$": "dollars", "€": "euros", "£": "pounds", "¥": "yen"}
# written abbreviations that keep their dot in the ITN form, and how they are said
ABBREVIATIONS = {"dr": "doctor", "mr": "mister", "mrs": "missus", "ms": "miz"}


def normalize_display(text: str) -> str:
    """Return whisper's text with whitespace collapsed and ends trimmed."""
    return _SPACES.sub(" ", text).strip()


def _itn_token(token: str) -> str:
    core = token.strip(_EDGE_PUNCT)
    start = len(token) - len(token.lstrip(_EDGE_PUNCT))
    if core.lower() in ABBREVIATIONS and token[start + len(core): start + len(core) + 1] == ".":
        return core.lower() + "."
    return core.lower()


def itn_from_display(display: str) -> str:
    """Return the ITN form: lowercase words without punctuation, numbers kept as written."""
    tokens = (_itn_token(t) for t in normalize_display(display).split(" "))
    return " ".join(t for t in tokens if t)


def word_token(text: str) -> str:
    """Return a recognised word as the services list it: lowercase, punctuation stripped."""
    token = itn_from_display(text)
    return token or text.strip()


def _num2words_lang(locale: str) -> str:
    lang = (locale or "en").replace("-", "_").split("_")[0].lower()
    return lang or "en"


@lru_cache(maxsize=4096)
def _spell_number(token: str, lang: str) -> str:
    match = _NUMBER.match(token)
    if not match:
        return token
    cur, num, suffix = match.group("cur"), match.group("num"), match.group("suffix") or ""
    words: list[str] = []
    try:
        if ":" in num:  # a clock time: 10:30 -> ten thirty
            hours, _, minutes = num.partition(":")
            words.append(num2words(int(hours), lang=lang))
            if minutes.strip(":") and int(minutes.split(":")[0]):
                words.append(num2words(int(minutes.split(":")[0]), lang=lang))
        elif suffix in ("st", "nd", "rd", "th"):
            words.append(num2words(int(num.replace(",", "")), lang=lang, to="ordinal"))
        else:
            value = num.replace(",", "") if num.count(",") and "." not in num else num.replace(",", ".")
            is_year = not cur and suffix in ("", "s") and len(value) == 4 and value.isdigit() and 1100 <= int(value) <= 2099
            number = float(value) if "." in value else int(value)
            words.append(num2words(number, lang=lang, to="year" if is_year else "cardinal"))
            if suffix == "s":  # 1990s -> nineteen nineties
                words[-1] = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
    except (NotImplementedError, ValueError, OverflowError) as exc:
        log.debug("cannot spell %r in %s: %s", token, lang, exc)
        return token
    if suffix == "%":
        words.append("percent")
    if cur:
        words.append(_CURRENCY_WORDS[cur])
    spoken = " ".join(words).replace("-", " ").replace(",", "")
    return _SPACES.sub(" ", spoken).lower()


def lexical_from_itn(itn: str, locale: str = "en-US") -> str:
    """Return the lexical form: the ITN words with numbers spelled out."""
    lang = _num2words_lang(locale)
    return " ".join(_spell_token(token, lang) for token in itn.split(" ") if token)


def _spell_token(token: str, lang: str) -> str:
    if token.endswith(".") and token[:-1] in ABBREVIATIONS and lang == "en":
        return ABBREVIATIONS[token[:-1]]
    return _spell_number(token, lang)


def mask_profanity(text: str) -> str:
    """Return the text with every profane word replaced by asterisks of the same length."""
    if not text:
        return text
    from core.text.profanity import is_profane

    out = []
    for token in text.split(" "):
        core_word = token.strip(_EDGE_PUNCT)
        if core_word and is_profane(core_word):
            token = token.replace(core_word, "*" * len(core_word))
        out.append(token)
    return " ".join(out)


def forms_from_display(display: str, locale: str = "en-US") -> TextForms:
    """Return the four text forms derived from a recogniser's display text."""
    display = inverse_normalize(normalize_display(display), locale)
    itn = itn_from_display(display)
    return TextForms(
        lexical=lexical_from_itn(itn, locale),
        itn=itn,
        masked_itn=mask_profanity(itn),
        display=display,
    )
