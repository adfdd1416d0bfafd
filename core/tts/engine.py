"""The speech synthesiser: eSpeak NG (installed with the app) run as a short-lived process per phrase.

A process per phrase keeps requests independent (eSpeak NG's library keeps global state) and lets
several run at once. Its 22,050 Hz output is resampled with FFmpeg's resampler (PyAV).
"""

from __future__ import annotations

import logging
import shutil
import struct
import subprocess
from functools import lru_cache

import av
import numpy as np

from core.errors import ParleyError
from core.tts.ssml import Pause, Prosody, Speech, parse_ssml
from core.tts.voices import Voice, resolve_voice

log = logging.getLogger(__name__)

BASE_WORDS_PER_MINUTE = 175
MAX_TEXT_CHARS = 20_000
SYNTH_TIMEOUT_S = 60


class SpeechSynthesisError(ParleyError):
    """Text could not be turned into speech."""

    hint = "Install eSpeak NG (packaging/install.sh does: apt install espeak-ng) and try again."


@lru_cache(maxsize=1)
def espeak_path() -> str:
    """Return the path of the espeak-ng program; raise SpeechSynthesisError when it is not installed."""
    path = shutil.which("espeak-ng")
    if path is None:
        raise SpeechSynthesisError("The offline speech synthesiser eSpeak NG is not installed.")
    return path


def _wav_samples(data: bytes) -> tuple[np.ndarray, int]:
    """Return the 16-bit samples and rate of a RIFF file streamed by espeak-ng (its sizes are left unset)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechSynthesisError("eSpeak NG returned no WAV audio.")
    pos, rate = 12, 22050
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt ":
            rate = struct.unpack("<I", data[pos + 12 : pos + 16])[0]
        elif chunk == b"data":
            body = data[pos + 8 :]
            body = body[: len(body) // 2 * 2]
            return np.frombuffer(body, dtype="<i2").astype(np.float32) / 32768.0, rate
        pos += 8 + size
    raise SpeechSynthesisError("eSpeak NG returned a WAV without audio data.")


def _speak(text: str, voice: Voice, prosody: Prosody) -> tuple[np.ndarray, int]:
    speed = int(round(BASE_WORDS_PER_MINUTE * prosody.rate))
    pitch = int(min(99, max(0, voice.pitch + prosody.pitch)))
    command = [espeak_path(), "-v", voice.espeak, "-s", str(min(450, max(80, speed))), "-p", str(pitch), "-b", "1", "--stdout"]
    try:
        done = subprocess.run(command, input=text.encode("utf-8"), capture_output=True, timeout=SYNTH_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as exc:
        raise SpeechSynthesisError(f"eSpeak NG took longer than {SYNTH_TIMEOUT_S} s.") from exc
    if done.returncode != 0:
        raise SpeechSynthesisError(f"eSpeak NG failed: {done.stderr.decode('utf-8', 'replace').strip()[:200]}")
    samples, rate = _wav_samples(done.stdout)
    return np.clip(samples * prosody.volume, -1.0, 1.0), rate


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Return mono float32 samples resampled from `rate` to `target` Hz (FFmpeg's swresample)."""
    if rate == target or samples.size == 0:
        return samples.astype(np.float32)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=target)
    frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples, dtype=np.float32)[None, :], format="flt", layout="mono")
    frame.sample_rate = rate
    out = [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
    out += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)


def render(pieces: list[Speech | Pause], rate: int) -> np.ndarray:
    """Return the mono float32 audio at `rate` Hz of parsed SSML pieces, spoken in order."""
    if sum(len(p.text) for p in pieces if isinstance(p, Speech)) > MAX_TEXT_CHARS:
        raise SpeechSynthesisError(f"The text is longer than {MAX_TEXT_CHARS} characters.", "Split it into several requests.")
    parts: list[np.ndarray] = []
    for piece in pieces:
        if isinstance(piece, Pause):
            parts.append(np.zeros(piece.ms * rate // 1000, np.float32))
        elif piece.text.strip():
            samples, native = _speak(piece.text, piece.voice, piece.prosody)
            parts.append(resample(samples, native, rate))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def synthesize_ssml(document: str | bytes, rate: int = 16_000) -> np.ndarray:
    """Return the mono float32 audio at `rate` Hz that an SSML document asks for."""
    return render(parse_ssml(document), rate)


def synthesize_text(text: str, voice: str | None = None, *, locale: str = "en-US", rate: int = 16_000) -> np.ndarray:
    """Return plain text spoken by one voice (a name as in SSML, or the locale's first voice) at `rate` Hz."""
    return render([Speech(" ".join(text.split()), resolve_voice(voice, locale), Prosody())], rate)
