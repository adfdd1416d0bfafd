"""Inverse text normalisation: spoken numbers, dates, times, money and titles in their written form.

text2num's ``alpha2digit`` turns spelled numbers and ordinals into digits ("twenty five" → "25",
"third" → "3rd"; below three they stay words, as people write them). A scale word with no spelled
number beside it stays a word ("des millions", "1,5 million", "sur cent"); French "25 pour cent" is
written "25 %". A few English rules then
join what it leaves apart: years ("19 99" → "1999"), clock times ("at 10 30" → "at 10:30"),
money ("50 dollars" → "$50"), percentages ("5 percent" → "5%"), dates ("March first" →
"March 1st") and titles before a name ("Doctor Smith" → "Dr. Smith"). It works on display text:
punctuation and capitals are kept where they are.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from core.text.language import language_of

log = logging.getLogger(__name__)

# languages text2num knows
_TEXT2NUM = {"en", "fr", "es", "pt", "de", "nl", "da", "it"}
_PUNCT = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…—–-*_/\\|~`"
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december",
}
_SMALL_ORDINALS = {"first": "1st", "second": "2nd"}
_CURRENCIES = {"dollar": "$", "dollars": "$", "euro": "€", "euros": "€", "yen": "¥"}
_PERCENT = {"percent", "per cent"}
_TIME_AFTER = {"am", "pm", "a.m.", "p.m.", "o'clock"}
_TIME_BEFORE = {"at", "by", "until", "till", "from", "around", "about"}
TITLES = {"doctor": "Dr.", "mister": "Mr.", "missus": "Mrs."}
# a title word after one of these is a common noun ("the doctor said")
_DETERMINERS = {
    "a", "an", "the", "this", "that", "my", "your", "his", "her", "our", "their", "its", "every", "each", "any", "no",
}
_NOT_NAMES = {
    "is", "was", "are", "were", "said", "says", "and", "or", "but", "to", "of", "in", "on", "at", "for", "with",
    "will", "would", "can", "could", "has", "had", "have", "who", "which", "that", "the", "a", "an",
}
_NUMBER = re.compile(r"^\d+$")
_SCALE = re.compile(r"^10{2,}$")  # what a scale word is worth alone: cent, mille, million, ...
_POUR_CENT = re.compile(r"(?<![\w,])(\d+(?:,\d+)?) pour cent(?!\w)", re.IGNORECASE)


def _core(token: str) -> str:
    return token.strip(_PUNCT)


def _lead(token: str) -> str:
    return token[: len(token) - len(token.lstrip(_PUNCT))]


def _trail(token: str) -> str:
    return token[len(token.rstrip(_PUNCT)):]


def _alpha2digit(text: str, lang: str, threshold: int = 3) -> str:
    from text_to_num import alpha2digit

    try:
        return alpha2digit(text, lang, threshold=threshold)
    except (ValueError, KeyError, IndexError) as exc:  # a phrase text2num cannot parse stays as spoken
        log.debug("alpha2digit failed on %r: %s", text, exc)
        return text


@lru_cache(maxsize=4096)
def _number_word(word: str, lang: str) -> str:
    """Return the digits of one spelled number word ("vingt-cinq" -> "25"), or "" for any other word."""
    core = _core(word).lower()
    value = _alpha2digit(core, lang, threshold=0) if core and not core[0].isdigit() else ""
    return value if value.isdigit() else ""


def _lone_scale(words: list[str], i: int, lang: str) -> bool:
    """Return whether words[i] is a scale word ("cent", "millions") with no spelled number beside it."""
    if not _SCALE.match(_number_word(words[i], lang)):
        return False
    return not any(_number_word(word, lang) for word in words[max(i - 1, 0):i] + words[i + 1:i + 2])


def _digits(text: str, lang: str) -> str:
    """Return the text with spelled numbers in digits; a lone scale word ("des millions", "1,5 million") stays."""
    if lang not in _TEXT2NUM:
        return text
    parts = re.split(r"(\s+)", text)
    words = parts[::2]
    out, chunk = [], ""
    for i, part in enumerate(parts):
        if i % 2 == 0 and _lone_scale(words, i // 2, lang):
            out += [_alpha2digit(chunk, lang), part]
            chunk = ""
        else:
            chunk += part
    text = "".join(out) + _alpha2digit(chunk, lang)
    if lang == "fr":  # "25 pour cent" -> "25 %", as French writes it
        text = _POUR_CENT.sub(r"\1 %", text)
    return text


def _is_int(token: str, low: int, high: int, width: int | None = None) -> bool:
    core = _core(token)
    if not _NUMBER.match(core) or (width and len(core) != width):
        return False
    return low <= int(core) <= high


def _joinable(token: str) -> bool:
    """Return whether nothing but a space separates this token from the next one."""
    return not _trail(token)


def _english_rules(tokens: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        after = _core(tokens[i + 2]).lower() if i + 2 < len(tokens) else ""
        before = _core(out[-1]).lower() if out else ""
        if nxt is not None and _joinable(token) and not _lead(nxt):
            # clock time: "at 10 30", "10 30 am"
            if _is_int(token, 0, 23) and _is_int(nxt, 0, 59, width=2) and (
                before in _TIME_BEFORE or after in _TIME_AFTER or _core(nxt).lower() in _TIME_AFTER
            ):
                out.append(f"{_lead(token)}{_core(token)}:{_core(nxt)}{_trail(nxt)}")
                i += 2
                continue
            # year said in two halves: "19 99", "20 24"
            if _is_int(token, 11, 20, width=2) and _is_int(nxt, 10, 99, width=2):
                out.append(f"{_lead(token)}{_core(token)}{_core(nxt)}{_trail(nxt)}")
                i += 2
                continue
            # money and percentages: "50 dollars" -> "$50", "5 percent" -> "5%"
            unit = _core(nxt).lower()
            if _NUMBER.match(_core(token).replace(".", "", 1)) and _core(token):
                if unit in _CURRENCIES:
                    out.append(f"{_lead(token)}{_CURRENCIES[unit]}{_core(token)}{_trail(nxt)}")
                    i += 2
                    continue
                if unit in _PERCENT:
                    out.append(f"{_lead(token)}{_core(token)}%{_trail(nxt)}")
                    i += 2
                    continue
            # dates: "March first" -> "March 1st"
            if _core(token).lower() in _MONTHS and _core(nxt).lower() in _SMALL_ORDINALS:
                out.append(token)
                out.append(f"{_lead(nxt)}{_SMALL_ORDINALS[_core(nxt).lower()]}{_trail(nxt)}")
                i += 2
                continue
            # titles before a name: "Doctor Smith" -> "Dr. Smith" (not "the doctor said")
            title = TITLES.get(_core(token).lower())
            name = _core(nxt)
            if title and before not in _DETERMINERS and name.isalpha() and name.lower() not in _NOT_NAMES:
                if _core(token)[:1].islower():
                    title = title.lower()
                out.append(f"{_lead(token)}{title}")
                i += 1
                continue
        out.append(token)
        i += 1
    return out


def inverse_normalize(text: str, locale: str = "en-US") -> str:
    """Return text with spoken numbers, years, times, money, percentages, dates and titles written as people write them."""
    lang = language_of(locale)
    text = _digits(text, lang)
    if lang != "en":
        return text
    return " ".join(_english_rules(text.split()))
