"""The four text forms of a hypothesis: Lexical, ITN, MaskedITN and Display.

Whisper writes display text (punctuation, capitals, mostly digits). Display is that text
inverse-normalised (``core.text.itn``: spelled numbers, years, times, money, titles); from it
we derive ITN (lowercase, no punctuation, numbers kept as digits), Lexical (ITN with numbers
spelled out by num2words, titles as said) and MaskedITN (ITN with the profanity of the
locale's language masked: ``core.text.profanity``). Options that change how a form is shown
(profanity, punctuation, hesitations) apply later, at view time: ``core.text.options``.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from num2words import num2words

from core.results import TextForms, Word
from core.text.itn import inverse_normalize
from core.text.language import language_of
from core.text.words import capitalized, joined

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")
# punctuation that never belongs to a word's ITN form (apostrophes inside words stay)
_EDGE_PUNCT = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…—–-*_/\\|~`"
_NUMBER = re.compile(r"^(?P<cur>[$€£¥]?)(?P<num>\d+(?:[.,:]\d+)*)(?P<suffix>%|st|nd|rd|th|s)?$")
_CURRENCY_WORDS = {"$": "dollars", "€": "euros", "£": "pounds", "¥": "yen"}
_ONE_CURRENCY = {"dollars": "dollar", "euros": "euro", "pounds": "pound"}  # English "one dollar"
_CENTS = {"$": "cents", "€": "cents", "£": "pence"}  # English "ninety nine cents" for "$0.99"
_PRICE = re.compile(r"^(\d+)\.(\d\d)$")  # an amount with cents: "$5.50" is said "five dollars fifty"
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


@lru_cache(maxsize=4096)
def spoken_tokens(text: str, locale: str = "en-US") -> tuple[str, ...]:
    """Return a recognised word as the spoken words the lexical form has for it ("$25": twenty, five, dollars)."""
    return tuple(forms_from_display(text, locale).lexical.split()) or ((word_token(text),) if word_token(text) else ())


def spoken_parts(word: Word, locale: str = "en-US") -> list[tuple[str, Word]]:
    """Return (spoken word, its time) for each word of the lexical form a recognised word is: one for most, several
    for a number or sign written as one ("$25": twenty, five, dollars), which share its time evenly."""
    tokens = spoken_tokens(word.text, locale)
    if len(tokens) <= 1:
        return [(token, word) for token in tokens]
    step = word.duration_ms / len(tokens)
    bounds = [word.offset_ms + round(step * n) for n in range(len(tokens) + 1)]
    return [(token, replace(word, offset_ms=start, duration_ms=end - start))
            for token, start, end in zip(tokens, bounds, bounds[1:])]


def spoken_timeline(words: list[Word], lexical: str, locale: str = "en-US") -> list[tuple[str, Word]]:
    """Return (word of the lexical form, its time) for every word of `lexical`, the phrase's spoken form.

    The recognised words are said one by one (spoken_parts) and matched to the lexical words; where the phrase
    reads otherwise than its words one by one ("123" alone is "one hundred twenty three", in a phrase "one
    hundred and twenty three"), the lexical words of that stretch share the time of the parts they replace, so
    a list of words with their times always reads as its transcript.
    """
    from difflib import SequenceMatcher

    parts = [pair for w in words for pair in spoken_parts(w, locale)]
    tokens = lexical.split()
    said = [token for token, _ in parts]
    if said == tokens:
        return parts
    timeline: list[tuple[str, Word]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=said, b=tokens, autojunk=False).get_opcodes():
        if tag == "equal":
            timeline += parts[i1:i2]
        elif j2 > j1 and parts:  # replaced or inserted lexical words (parts only in `said` are left out)
            if i2 > i1:
                template, start, end = parts[i1][1], parts[i1][1].offset_ms, parts[i2 - 1][1].end_ms
            else:  # nothing said in their place: an instant at the border
                template = parts[i1 - 1][1] if i1 > 0 else parts[0][1]
                start = end = template.end_ms if i1 > 0 else template.offset_ms
            step = (end - start) / (j2 - j1)
            bounds = [start + round(step * n) for n in range(j2 - j1 + 1)]
            timeline += [(token, replace(template, offset_ms=a, duration_ms=b - a))
                         for token, a, b in zip(tokens[j1:j2], bounds, bounds[1:])]
    return timeline


def word_token(text: str) -> str:
    """Return a recognised word as the services list it: lowercase, punctuation stripped."""
    token = itn_from_display(text)
    return token or text.strip()


# languages that write "," as the decimal mark and group thousands with a space or a dot ("3 500 000,5")
_DECIMAL_COMMA = {
    "fr", "ru", "sv", "de", "es", "it", "pt", "nl", "pl", "da", "nb", "no", "fi", "cs", "sk", "uk", "tr",
    "ro", "hu", "id", "el", "bg", "hr", "sl", "sr", "lt", "lv", "et", "be", "ca", "gl", "is", "vi",
}
# "%" said in each language; a language not listed keeps the sign
_PERCENT_WORDS = {
    "en": "percent", "fr": "pour cent", "ru": "процентов", "sv": "procent", "de": "Prozent",
    "es": "por ciento", "it": "per cento", "pt": "por cento", "nl": "procent", "pl": "procent", "da": "procent",
}
# currency signs said in each language; English names otherwise
_LOCAL_CURRENCY = {
    "fr": {"€": "euros", "$": "dollars"}, "ru": {"€": "евро", "$": "долларов", "₽": "рублей"},
    "sv": {"€": "euro", "$": "dollar"}, "de": {"€": "Euro", "$": "Dollar"}, "es": {"€": "euros", "$": "dólares"},
    "it": {"€": "euro", "$": "dollari"},
}
# the digit groups of one number after its first ("3 500 000"): three digits, the last maybe with decimals or "%"
_NEXT_GROUP = re.compile(r"^\d{3}(?:,\d+)?%?$")
_FIRST_GROUP = re.compile(r"^[$€£¥]?\d{1,3}$")
_DOT_TIME = re.compile(r"^(?:[01]?\d|2[0-3])\.[0-5]\d$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")


def _comma_decimal(num: str) -> str | None:
    """Return a decimal-comma number with "." as the decimal mark and no group dots, ":" for a "10.30" time, or None."""
    if _DOT_TIME.match(num):
        return num.replace(".", ":")
    if "." in num:
        if not _DOT_THOUSANDS.match(num):
            return None
        num = num.replace(".", "")
    return num.replace(",", ".") if num.count(",") <= 1 else None


@lru_cache(maxsize=4096)
def _spell_number(token: str, lang: str) -> str:
    match = _NUMBER.match(token)
    if not match:
        return token
    cur, num, suffix = match.group("cur"), match.group("num"), match.group("suffix") or ""
    if lang in _DECIMAL_COMMA:
        num = _comma_decimal(num)
        if num is None:  # not a number as this language writes one
            return token
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
            if cur and not suffix and _PRICE.match(value):
                return _price(value, cur, lang)
            is_year = not cur and suffix in ("", "s") and len(value) == 4 and value.isdigit() and 1100 <= int(value) <= 2099
            number = Decimal(value) if "." in value else int(value)  # "12,50": fifty hundredths in Russian, as written
            words.append(num2words(number, lang=lang, to="year" if is_year else "cardinal"))
            if suffix == "s" and lang != "en":  # "1990s" is English
                return token
            if suffix == "s":  # 1990s -> nineteen nineties
                words[-1] = words[-1][:-1] + "ies" if words[-1].endswith("y") else words[-1] + "s"
    except (NotImplementedError, ValueError, OverflowError) as exc:
        log.debug("cannot spell %r in %s: %s", token, lang, exc)
        return token
    if suffix == "%":
        words.append(_PERCENT_WORDS.get(lang, "%"))
    if cur:
        words.append(_currency_word(cur, lang, one=num == "1"))
    return _spoken(words, lang)


def _spoken(words: list[str], lang: str) -> str:
    spoken = " ".join(words).replace(",", "")
    if lang == "en":  # "twenty-five" is said "twenty five"; French keeps "vingt-cinq"
        spoken = spoken.replace("-", " ")
    return _SPACES.sub(" ", spoken).lower()


def _currency_word(sign: str, lang: str, *, one: bool = False) -> str:
    word = _LOCAL_CURRENCY.get(lang, {}).get(sign, _CURRENCY_WORDS[sign])
    return _ONE_CURRENCY.get(word, word) if one and lang == "en" else word


def _price(value: str, sign: str, lang: str) -> str:
    """Return an amount with cents as it is said: "$5.50" five dollars fifty, "12,50 €" douze euros cinquante, "$0.99"
    ninety nine cents ("five point five dollars" lost the zero, and nobody reads a price so)."""
    whole, cents = (int(part) for part in _PRICE.match(value).groups())
    if lang == "en" and whole == 0 and cents and sign in _CENTS:
        return _spoken([num2words(cents, lang=lang), _CENTS[sign]], lang)
    words = [num2words(whole, lang=lang), _currency_word(sign, lang, one=whole == 1)]
    return _spoken(words + ([num2words(cents, lang=lang)] if cents else []), lang)


def lexical_from_itn(itn: str, locale: str = "en-US") -> str:
    """Return the lexical form: the ITN words with numbers spelled out."""
    lang = language_of(locale)
    tokens = itn.split()  # any space, the no-break ones that group thousands included
    joined = _join_digit_groups(tokens) if lang in _DECIMAL_COMMA else [(token, False) for token in tokens]
    spoken, i = [], 0
    while i < len(joined):
        token, grouped = joined[i]
        sign = joined[i + 1][0] if i + 1 < len(joined) else ""
        value = (_comma_decimal(token) if lang in _DECIMAL_COMMA else token) or ""
        if sign in _CURRENCY_WORDS and _PRICE.match(value):  # "12,50 €": the sign written after the amount
            spoken.append(_price(value, sign, lang))
            i += 2
            continue
        spoken.append(_spell_token(token, lang, grouped=grouped))
        i += 1
    return " ".join(spoken)


def _join_digit_groups(tokens: list[str]) -> list[tuple[str, bool]]:
    """Return the tokens with a number's space-separated thousands groups joined ("3 500 000" -> "3500000"), each with
    whether it was joined (a count, not a code said digit by digit)."""
    out: list[tuple[str, bool]] = []
    more = False  # whether the last token is a number that another group may continue
    for token in tokens:
        if more and _NEXT_GROUP.match(token):
            out[-1] = (out[-1][0] + token, True)
            more = token.isdigit()
        else:
            out.append((token, False))
            more = bool(_FIRST_GROUP.match(token))
    return out


# said digit by digit: a number with a leading zero ("007", "0800"), one of 5 digits or more written without groups
# (a phone, account or order number: whisper writes "12,345" for a count) unless it is whole thousands ("10000 users"
# is a count), and a phone number's dashed groups ("555-1234", "1-800-555-1234": 7 digits or more; two groups other
# than 3 and 4 digits, "1000-2000", are a range)
_DIGIT_BY_DIGIT = re.compile(r"^(?:0\d+|(?!\d+000$)\d{5,})$")
_DASHED_DIGITS = re.compile(r"^\d+(?:-\d+)+$")
_INITIALS = re.compile(r"^(?:[^\W\d_]\.)+[^\W\d_]?$")  # "p.m", "a.m", "u.s" (the ITN form drops the last dot): letters said


def _by_digit(token: str) -> bool:
    """Return whether a number is said digit by digit (see _DIGIT_BY_DIGIT)."""
    if _DIGIT_BY_DIGIT.match(token):
        return True
    if not _DASHED_DIGITS.match(token):
        return False
    groups = token.split("-")
    return sum(map(len, groups)) >= 7 and (len(groups) > 2 or [len(g) for g in groups] == [3, 4])


def _spell_token(token: str, lang: str, *, grouped: bool = False) -> str:
    if not grouped and _by_digit(token):
        try:
            return " ".join(num2words(int(digit), lang=lang) for digit in token if digit.isdigit()).lower()
        except NotImplementedError:
            return token
    if _INITIALS.match(token):
        return " ".join(token.replace(".", ""))
    if token.endswith(".") and token[:-1] in ABBREVIATIONS and lang == "en":
        return ABBREVIATIONS[token[:-1]]
    if token == "%" and lang in _PERCENT_WORDS:
        return _PERCENT_WORDS[lang].lower()
    if token in _LOCAL_CURRENCY.get(lang, {}):
        return _LOCAL_CURRENCY[lang][token].lower()
    return _spell_number(token, lang)


def mask_profanity(text: str, locale: str = "en-US") -> str:
    """Return the text with every profane word of the locale's language replaced by asterisks of the same length."""
    if not text:
        return text
    from core.text.profanity import filter_word

    return " ".join(filter_word(token, "Masked", locale) for token in text.split(" "))


def forms_of_words(texts: Iterable[str], locale: str = "en-US") -> TextForms:
    """Return the forms of the phrase some words make: joined as the locale writes them, its first word capitalized
    (a phrase cut from a longer sentence, or made of several)."""
    return forms_from_display(capitalized(joined(texts, locale)), locale)


def forms_from_display(display: str, locale: str = "en-US") -> TextForms:
    """Return the four text forms derived from a recogniser's display text."""
    display = inverse_normalize(normalize_display(display), locale)
    itn = itn_from_display(display)
    return TextForms(
        lexical=lexical_from_itn(itn, locale),
        itn=itn,
        masked_itn=mask_profanity(itn, locale),
        display=display,
    )
