"""The language of a locale, which picks the text rules (dictated punctuation, hesitations, profanity) that apply."""

from __future__ import annotations

import locale as _system_locale
import re

DEFAULT_LOCALE = "en-US"

# the region a language's locale gets when none was given, where the C library's locale aliases name none (or no
# real one: "ar_AA"); whisper's "jw" is Javanese, "jv" in BCP 47
_REGIONS = {
    "ar": "ar-EG", "ba": "ba-RU", "bn": "bn-IN", "bo": "bo-CN", "gu": "gu-IN", "ha": "ha-NG", "haw": "haw-US", "ht": "ht-HT",
    "hy": "hy-AM", "jw": "jv-ID", "kk": "kk-KZ", "km": "km-KH", "la": "la-VA", "lb": "lb-LU", "ln": "ln-CD", "mg": "mg-MG",
    "mn": "mn-MN", "my": "my-MM", "ne": "ne-NP", "no": "nb-NO", "ps": "ps-AF", "sa": "sa-IN", "sn": "sn-ZW", "so": "so-SO", "su": "su-ID",
    "sw": "sw-KE", "tk": "tk-TM", "yi": "yi-001", "yo": "yo-NG", "yue": "yue-CN",
}


def language_of(locale: str | None) -> str:
    """Return the lowercase language code of a locale ("sv-SE" -> "sv", "ja" -> "ja"; empty or None -> "en")."""
    return (locale or "en").replace("_", "-").split("-")[0].strip().lower() or "en"


_LOCALE = re.compile(r"([A-Za-z]{2,3})((?:[-_][A-Za-z0-9]{2,8})+)")


def _tidy(locale: str) -> str | None:
    """Return a locale spelled as BCP 47 writes it ("fr_ca" -> "fr-CA", "zh-hant-tw" -> "zh-Hant-TW"), or None."""
    match = _LOCALE.fullmatch(locale.strip())
    if match is None:
        return None
    parts = [match.group(1).lower()]
    for part in re.split("[-_]", match.group(2))[1:]:
        parts.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 and part.isalpha() else part)
    return "-".join(parts)


def locale_for(language: str | None, given: str | None = None) -> str:
    """Return the BCP-47 locale to store for a whisper language code: the `given` locale when it names that language
    with a region ("fr-CA", "fr_ca" -> "fr-CA"), else the language's usual one ("fr" -> "fr-FR", "ja" -> "ja-JP").
    With no language (one still to be heard), the given locale's language is taken."""
    tidy = _tidy(given) if given else None
    if tidy and (language is None or language_of(tidy) == language):
        return tidy
    language = (language or (language_of(given) if given else "en")).lower()
    if language in _REGIONS:
        return _REGIONS[language]
    system = _system_locale.normalize(language).split(".")[0].split("@")[0]  # "ja" -> "ja_JP.eucJP"
    code, _, region = system.partition("_")
    return f"{language}-{region}" if code == language and region else language
