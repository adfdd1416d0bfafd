"""The language of a locale, which picks the text rules (dictated punctuation, hesitations, profanity) that apply."""

from __future__ import annotations

DEFAULT_LOCALE = "en-US"


def language_of(locale: str | None) -> str:
    """Return the lowercase language code of a locale ("sv-SE" -> "sv", "ja" -> "ja"; empty or None -> "en")."""
    return (locale or "en").replace("_", "-").split("-")[0].strip().lower() or "en"
