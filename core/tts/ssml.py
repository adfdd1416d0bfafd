"""SSML in, a list of things to say (text with voice and prosody) and pauses out.

Understands what scripts for the cloud service send: <speak xml:lang>, <voice name>, <prosody
rate|pitch|volume>, <break time|strength>, <p>, <s>, and reads the text of anything else
(<say-as>, <emphasis>, <mstts:express-as>, ...). Documents with a DOCTYPE or entities are
refused: no entity expansion, no external resources.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, replace

from core.errors import ParleyError
from core.tts.voices import Voice, resolve_voice

MAX_BREAK_MS = 5_000
_STRENGTH_MS = {"none": 0, "x-weak": 100, "weak": 250, "medium": 500, "strong": 750, "x-strong": 1000}
_RATE_WORDS = {"x-slow": 0.5, "slow": 0.75, "medium": 1.0, "default": 1.0, "fast": 1.35, "x-fast": 1.75}
_PITCH_WORDS = {"x-low": -20, "low": -10, "medium": 0, "default": 0, "high": 10, "x-high": 20}
_VOLUME_WORDS = {"silent": 0.0, "x-soft": 0.25, "soft": 0.5, "medium": 1.0, "default": 1.0, "loud": 1.5, "x-loud": 2.0}
_TIME = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*(%|st|hz)?\s*$", re.IGNORECASE)
_SENTENCE_PAUSE_MS = 250


class SsmlError(ParleyError):
    """The text-to-speech request is not SSML Parley can read."""

    hint = "Send a <speak> document (application/ssml+xml) with text, <voice>, <prosody> and <break> elements."


@dataclass(frozen=True)
class Prosody:
    """How fast, how high and how loud: relative to the voice's defaults."""

    rate: float = 1.0  # speed factor
    pitch: int = 0  # added to the voice's base pitch (eSpeak NG 0..99 scale)
    volume: float = 1.0  # amplitude factor


@dataclass(frozen=True)
class Speech:
    """Text to say with one voice and prosody."""

    text: str
    voice: Voice
    prosody: Prosody


@dataclass(frozen=True)
class Pause:
    """Silence of a given length."""

    ms: int


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _lang(element: ET.Element, default: str | None) -> str | None:
    return element.get("{http://www.w3.org/XML/1998/namespace}lang") or element.get("lang") or default


def _rate(value: str | None, current: float) -> float:
    if not value:
        return current
    value = value.strip().lower()
    if value in _RATE_WORDS:
        return current * _RATE_WORDS[value]
    match = _NUMBER.match(value)
    if match is None:
        raise SsmlError(f"Cannot read the prosody rate '{value}'.")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    if unit == "%":
        factor = 1.0 + number / 100.0
    elif value.startswith(("+", "-")):
        factor = 1.0 + number
    else:
        factor = number
    return current * min(3.0, max(0.3, factor))


def _pitch(value: str | None, current: int) -> int:
    if not value:
        return current
    value = value.strip().lower()
    if value in _PITCH_WORDS:
        return current + _PITCH_WORDS[value]
    match = _NUMBER.match(value)
    if match is None:
        raise SsmlError(f"Cannot read the prosody pitch '{value}'.")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    if unit == "%":
        return current + int(round(number / 2))
    if unit == "st":
        return current + int(round(number * 3))
    if unit == "hz":
        return current + int(round(number / 4)) if value.startswith(("+", "-")) else current
    return current + int(round(number))


def _volume(value: str | None, current: float) -> float:
    if not value:
        return current
    value = value.strip().lower()
    if value in _VOLUME_WORDS:
        return current * _VOLUME_WORDS[value]
    match = _NUMBER.match(value.replace("db", ""))
    if match is None:
        raise SsmlError(f"Cannot read the prosody volume '{value}'.")
    number, unit = float(match.group(1)), (match.group(2) or "").lower()
    if unit == "%" or value.startswith(("+", "-")):
        return current * max(0.0, 1.0 + number / 100.0)
    return current * max(0.0, number / 100.0)


def _break_ms(element: ET.Element) -> int:
    time = element.get("time")
    if time:
        match = _TIME.match(time)
        if match is None:
            raise SsmlError(f"Cannot read the break time '{time}'.", "Write it like 500ms or 1.5s.")
        value = float(match.group(1)) * (1 if match.group(2).lower() == "ms" else 1000)
        return int(min(MAX_BREAK_MS, value))
    return _STRENGTH_MS.get((element.get("strength") or "medium").lower(), 500)


def _words(text: str | None) -> str:
    return " ".join((text or "").split())


def _walk(element: ET.Element, voice: Voice, prosody: Prosody, lang: str | None, out: list) -> None:
    tag = _local(element.tag)
    lang = _lang(element, lang)
    if tag == "voice":
        voice = resolve_voice(element.get("name"), lang)
        lang = voice.locale
    elif tag == "prosody":
        prosody = Prosody(
            rate=_rate(element.get("rate"), prosody.rate),
            pitch=_pitch(element.get("pitch"), prosody.pitch),
            volume=_volume(element.get("volume"), prosody.volume),
        )
    elif tag == "break":
        out.append(Pause(_break_ms(element)))
    elif tag in ("audio", "bookmark", "mark"):
        pass  # nothing to say (Parley fetches no audio from anywhere)
    elif tag in ("p", "s") and out and isinstance(out[-1], Speech):
        out.append(Pause(_SENTENCE_PAUSE_MS))
    if tag == "sub" and element.get("alias"):
        out.append(Speech(_words(element.get("alias")), voice, prosody))
    elif tag not in ("break", "audio", "bookmark", "mark") and (text := _words(element.text)):
        out.append(Speech(text, voice, prosody))
    if tag != "sub":
        for child in element:
            _walk(child, voice, prosody, lang, out)
            if (tail := _words(child.tail)):
                out.append(Speech(tail, voice, prosody))


def _merged(pieces: list) -> list:
    merged: list = []
    for piece in pieces:
        last = merged[-1] if merged else None
        if isinstance(piece, Speech) and isinstance(last, Speech) and (last.voice, last.prosody) == (piece.voice, piece.prosody):
            merged[-1] = replace(last, text=f"{last.text} {piece.text}")
        elif isinstance(piece, Pause) and isinstance(last, Pause):
            merged[-1] = Pause(min(MAX_BREAK_MS, last.ms + piece.ms))
        else:
            merged.append(piece)
    return merged


def parse_ssml(document: str | bytes, default_locale: str = "en-US") -> list[Speech | Pause]:
    """Return what an SSML document says, in order: Speech pieces (text, voice, prosody) and Pauses."""
    text = document.decode("utf-8", errors="strict") if isinstance(document, bytes) else document
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise SsmlError("SSML documents with a DOCTYPE or entities are not accepted.")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise SsmlError(f"The SSML document is not well-formed XML: {exc}.") from exc
    if _local(root.tag) != "speak":
        raise SsmlError(f"The SSML root element must be <speak>, not <{_local(root.tag)}>.")
    lang = _lang(root, default_locale)
    pieces: list = []
    _walk(root, resolve_voice(None, lang), Prosody(), lang, pieces)
    return _merged(pieces)
