"""The audio formats a text-to-speech request can ask for (X-Microsoft-OutputFormat) and their encoders."""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from core.errors import ParleyError

DEFAULT_FORMAT = "riff-24khz-16bit-mono-pcm"
_PCM = re.compile(r"^(raw|riff)-(8|16|22050hz|24|44100hz|48)(?:khz)?-16bit-mono-pcm$")
_MP3 = re.compile(r"^audio-(16|24|48)khz-(\d+)kbitrate-mono-mp3$")
_OPUS = re.compile(r"^(ogg|webm)-(16|24|48)khz-16bit-mono-opus$")


class OutputFormatError(ParleyError):
    """The requested audio output format is unknown or cannot be produced here."""

    hint = "Use riff-16khz-16bit-mono-pcm, raw-24khz-16bit-mono-pcm, audio-24khz-48kbitrate-mono-mp3 or ogg-24khz-16bit-mono-opus."


@dataclass(frozen=True)
class OutputFormat:
    """One output format: its name, container ("riff", "raw", "mp3", "ogg", "webm"), rate and bit rate."""

    name: str
    container: str
    rate: int
    bitrate: int | None = None

    @property
    def media_type(self) -> str:
        """Return the Content-Type of audio in this format."""
        return {"riff": "audio/wav", "raw": "audio/L16", "mp3": "audio/mpeg", "ogg": "audio/ogg", "webm": "audio/webm"}[self.container]


def _rate(text: str) -> int:
    return int(text[:-2]) if text.endswith("hz") else int(text) * 1000


def can_encode(codec: str) -> bool:
    """Return whether the bundled FFmpeg has the encoder `codec`."""
    try:
        av.codec.Codec(codec, "w")
    except (av.codec.codec.UnknownCodecError, ValueError):
        return False
    return True


def parse_output_format(name: str | None) -> OutputFormat:
    """Return the output format a header value names (default riff-24khz-16bit-mono-pcm)."""
    name = (name or DEFAULT_FORMAT).strip().lower()
    if (match := _PCM.match(name)) is not None:
        return OutputFormat(name, match.group(1), _rate(match.group(2)))
    if (match := _MP3.match(name)) is not None:
        if not can_encode("libmp3lame"):
            raise OutputFormatError(f"No MP3 encoder is available for '{name}'.")
        return OutputFormat(name, "mp3", _rate(match.group(1)), int(match.group(2)) * 1000)
    if (match := _OPUS.match(name)) is not None:
        if not can_encode("libopus"):
            raise OutputFormatError(f"No Opus encoder is available for '{name}'.")
        return OutputFormat(name, match.group(1), _rate(match.group(2)), 32_000)
    raise OutputFormatError(f"Unknown output format '{name}'.")


def supported_formats() -> list[str]:
    """Return the output format names this installation can produce."""
    names = [f"{kind}-{r}-16bit-mono-pcm" for kind in ("raw", "riff") for r in ("8khz", "16khz", "22050hz", "24khz", "44100hz", "48khz")]
    if can_encode("libmp3lame"):
        names += ["audio-16khz-32kbitrate-mono-mp3", "audio-16khz-64kbitrate-mono-mp3", "audio-16khz-128kbitrate-mono-mp3",
                  "audio-24khz-48kbitrate-mono-mp3", "audio-24khz-96kbitrate-mono-mp3", "audio-24khz-160kbitrate-mono-mp3",
                  "audio-48khz-96kbitrate-mono-mp3", "audio-48khz-192kbitrate-mono-mp3"]
    if can_encode("libopus"):
        names += [f"{c}-{r}khz-16bit-mono-opus" for c in ("ogg", "webm") for r in (16, 24, 48)]
    return names


def pcm16(samples: np.ndarray) -> bytes:
    """Return float samples in [-1, 1] as little-endian 16-bit PCM bytes."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def riff(samples: np.ndarray, rate: int) -> bytes:
    """Return a complete mono 16-bit WAV file of the samples."""
    data = pcm16(samples)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    return b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data


def _compressed(samples: np.ndarray, fmt: OutputFormat) -> bytes:
    codec = "libmp3lame" if fmt.container == "mp3" else "libopus"
    # Opus runs at 48 kHz inside; FFmpeg's encoder takes 8/12/16/24/48 kHz input
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=fmt.container) as out:
        stream = out.add_stream(codec, rate=fmt.rate, layout="mono")
        if fmt.bitrate:
            stream.bit_rate = fmt.bitrate
        step = fmt.rate // 10
        pcm = np.ascontiguousarray(samples, dtype=np.float32)
        for start in range(0, max(pcm.size, 1), step):
            block = pcm[start : start + step]
            if block.size == 0:
                block = np.zeros(1, np.float32)
            frame = av.AudioFrame.from_ndarray(block[None, :], format="flt", layout="mono")
            frame.sample_rate = fmt.rate
            frame.pts = start
            frame.time_base = Fraction(1, fmt.rate)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return buffer.getvalue()


def encode(samples: np.ndarray, fmt: OutputFormat) -> bytes:
    """Return mono float samples (already at fmt.rate) encoded in the output format."""
    if fmt.container == "raw":
        return pcm16(samples)
    if fmt.container == "riff":
        return riff(samples, fmt.rate)
    return _compressed(samples, fmt)
