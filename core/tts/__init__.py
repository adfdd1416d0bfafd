"""Offline text-to-speech: SSML or plain text in, audio out, spoken by eSpeak NG.

Used by the local speech service (POST /cognitiveservices/v1), by the app to read a passage
aloud, and by tests to make synthetic recordings with several voices.
"""

from __future__ import annotations

from core.tts.engine import SpeechSynthesisError, render, resample, synthesize_ssml, synthesize_text
from core.tts.formats import DEFAULT_FORMAT, OutputFormat, OutputFormatError, encode, parse_output_format, riff, supported_formats
from core.tts.ssml import Pause, Prosody, Speech, SsmlError, parse_ssml
from core.tts.voices import VOICES, Voice, resolve_voice, voices


def speak_ssml(document: str | bytes, output_format: str | None = None) -> tuple[bytes, OutputFormat]:
    """Return the SSML document spoken, encoded in the named output format, and that format."""
    fmt = parse_output_format(output_format)
    return encode(synthesize_ssml(document, fmt.rate), fmt), fmt


__all__ = [
    "DEFAULT_FORMAT", "OutputFormat", "OutputFormatError", "Pause", "Prosody", "Speech", "SpeechSynthesisError",
    "SsmlError", "VOICES", "Voice", "encode", "parse_output_format", "parse_ssml", "render", "resample",
    "resolve_voice", "riff", "speak_ssml", "supported_formats", "synthesize_ssml", "synthesize_text", "voices",
]
