"""The offline voices: eSpeak NG voices and variants under names in the Azure style.

Scripts written for the cloud service name voices like "en-US-JennyNeural" or
"Microsoft Server Speech Text to Speech Voice (en-US, Jessa24kRUS)". A name Parley knows
picks its voice; an unknown name picks one of its locale's voices by a stable hash, so two
different unknown names in one document usually speak with two different voices.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Voice:
    """One voice: its short name, locale, gender and the eSpeak NG voice+variant that speaks it."""

    short_name: str
    locale: str
    gender: str  # "Female" | "Male"
    espeak: str  # eSpeak NG voice name with variant, e.g. "en-us+f3"
    pitch: int = 50  # eSpeak NG base pitch 0..99

    @property
    def name(self) -> str:
        """Return the long name, as the service lists voices."""
        return f"Parley Offline Speech Voice ({self.locale}, {self.short_name.split('-')[-1]})"

    @property
    def display_name(self) -> str:
        return self.short_name.split("-")[-1]


# (locale, name, gender, espeak voice+variant, base pitch)
_CATALOG = [
    ("en-US", "Jessa", "Female", "en-us+f3", 60),
    ("en-US", "Guy", "Male", "en-us+m3", 40),
    ("en-US", "Aria", "Female", "en-us+f2", 70),
    ("en-US", "Davis", "Male", "en-us+m1", 30),
    ("en-US", "Zira", "Female", "en-us+f4", 55),
    ("en-US", "Benjamin", "Male", "en-us+m7", 45),
    ("en-GB", "Hazel", "Female", "en-gb+f2", 60),
    ("en-GB", "George", "Male", "en-gb+m3", 40),
    ("fr-FR", "Julie", "Female", "fr-fr+f3", 60),
    ("fr-FR", "Paul", "Male", "fr-fr+m3", 40),
    ("de-DE", "Hedda", "Female", "de+f2", 60),
    ("de-DE", "Stefan", "Male", "de+m3", 40),
    ("es-ES", "Laura", "Female", "es+f3", 60),
    ("es-ES", "Pablo", "Male", "es+m3", 40),
    ("it-IT", "Cosimo", "Male", "it+m3", 40),
    ("it-IT", "Elsa", "Female", "it+f2", 60),
    ("ru-RU", "Irina", "Female", "ru+f3", 60),
    ("ru-RU", "Pavel", "Male", "ru+m3", 40),
    ("sv-SE", "Hedvig", "Female", "sv+f2", 60),
    ("pt-BR", "Daniel", "Male", "pt-br+m3", 40),
]
VOICES: tuple[Voice, ...] = tuple(Voice(f"{loc}-{name}", loc, gender, espeak, pitch) for loc, name, gender, espeak, pitch in _CATALOG)
DEFAULT_LOCALE = "en-US"
_LONG_NAME = re.compile(r"\(\s*([A-Za-z]{2,3}-[A-Za-z0-9]{2,4})\s*,\s*([^)]+?)\s*\)")
_SHORT_NAME = re.compile(r"^([A-Za-z]{2,3}-[A-Za-z0-9]{2,4})-(.+)$")


def voices(locale: str | None = None) -> list[Voice]:
    """Return the voices, all of them or those of one locale (case-insensitive; "en" matches every en-*)."""
    if not locale:
        return list(VOICES)
    wanted = locale.lower()
    return [v for v in VOICES if v.locale.lower() == wanted or v.locale.lower().split("-")[0] == wanted]


def _locale_voices(locale: str | None) -> list[Voice]:
    found = voices(locale) if locale else []
    if not found and locale:
        found = voices(locale.split("-")[0])
    return found or voices(DEFAULT_LOCALE)


def _pick(candidates: list[Voice], key: str) -> Voice:
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return candidates[int.from_bytes(digest[:4], "big") % len(candidates)]


def resolve_voice(name: str | None, locale: str | None = None) -> Voice:
    """Return the voice a name asks for: a known short or long name, else a stable pick among its locale's voices."""
    locale_hint = locale
    if name:
        name = name.strip()
        base = None
        if (match := _LONG_NAME.search(name)) is not None:
            locale_hint, base = match.group(1), match.group(2)
        elif (match := _SHORT_NAME.match(name)) is not None:
            locale_hint, base = match.group(1), match.group(2)
        for voice in VOICES:
            if voice.short_name.lower() == name.lower():
                return voice
        if base is not None:
            for voice in _locale_voices(locale_hint):
                if base.lower().startswith(voice.display_name.lower()):
                    return voice
        return _pick(_locale_voices(locale_hint), name.lower())
    return _locale_voices(locale_hint)[0]
