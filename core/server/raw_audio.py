"""Raw audio in a request: samples with no header, described by their media type alone.

Watson takes four kinds (its "audio formats" page):
- ``audio/l16;rate=R[;channels=C][;endianness=big-endian|little-endian]``: 16-bit linear PCM. Without
  ``endianness`` the service tells it from the audio, and so does Parley: speech read in the right byte
  order changes slowly from sample to sample; read in the wrong one it is noise, whose sample-to-sample
  changes are as large as the samples themselves;
- ``audio/mulaw;rate=R`` and ``audio/alaw;rate=R``: 8-bit G.711 mu-law and A-law;
- ``audio/basic``: 8 kHz mono mu-law, the telephone's.
``audio/pcm`` is taken as ``audio/l16``. The rate is required wherever the type does not fix it: the
samples do not say it. Channels: 1 to 16 (averaged into one by the callers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.server.errors import ApiError

_WIDTHS = {"audio/l16": 2, "audio/pcm": 2, "audio/mulaw": 1, "audio/alaw": 1, "audio/basic": 1}
DETECT_SAMPLES = 16_000  # samples per window the byte order is judged on (1 s at 16 kHz)


@dataclass(frozen=True)
class RawFormat:
    """How raw samples are laid out: rate, channels and encoding ("<i2", ">i2", "mulaw", "alaw"; None: 16-bit, byte
    order still to be told from the audio)."""

    rate: int
    channels: int
    encoding: str | None

    @property
    def frame_bytes(self) -> int:
        """Return the bytes of one sample of every channel."""
        return (1 if self.encoding in ("mulaw", "alaw") else 2) * self.channels

    def settled(self, data: bytes, *, final: bool = True) -> "RawFormat":
        """Return the format with its byte order told from `data` when it was not given: from its first window that
        tells it (silence and faint noise read alike either way). When none does, little-endian if `final`, else the
        format still unsettled (encoding None: more audio may tell)."""
        if self.encoding is not None:
            return self
        window = DETECT_SAMPLES * 2
        for start in range(0, max(len(data) - 1, 0), window):
            piece = data[start : start + window]
            order = _byte_order(np.frombuffer(piece[: len(piece) // 2 * 2], "<i2"))
            if order is not None:
                return RawFormat(self.rate, self.channels, order)
        return RawFormat(self.rate, self.channels, "<i2") if final else self

    def samples(self, data: bytes) -> np.ndarray:
        """Return whole frames of `data` as float32 in [-1, 1], shaped (frames, channels) (the format settled)."""
        whole = len(data) // self.frame_bytes * self.frame_bytes
        raw = np.frombuffer(data[:whole], np.uint8 if self.encoding in ("mulaw", "alaw") else self.encoding)
        if self.encoding == "mulaw":
            values = _MULAW[raw]
        elif self.encoding == "alaw":
            values = _ALAW[raw]
        else:
            values = raw.astype(np.float32) / 32768.0
        return values.reshape(-1, self.channels)


def raw_format(content_type: str | None) -> RawFormat | None:
    """Return the layout of raw samples a media type names, or None for a type that is not raw audio.

    Raises ApiError (400) when the rate is missing or anything is out of range.
    """
    media, *rest = [p.strip() for p in (content_type or "").split(";")]
    media = media.lower()
    if media not in _WIDTHS:
        return None
    params = {k.strip().lower(): v.strip().lower() for k, _, v in (p.partition("=") for p in rest)}
    if media == "audio/basic":
        return RawFormat(8000, 1, "mulaw")
    if "rate" not in params:
        raise ApiError(400, f"{media} needs its sample rate, as in {media};rate=16000: raw samples do not say it.")
    try:
        rate, channels = int(params["rate"]), int(params.get("channels", "1"))
    except ValueError:
        raise ApiError(400, f"{media} needs a numeric rate (and channels).") from None
    if not (8000 <= rate <= 96000) or not (1 <= channels <= 16):
        raise ApiError(400, f"{media} rate must be 8000..96000 and channels 1 to 16.")
    if _WIDTHS[media] == 1:
        return RawFormat(rate, channels, media.removeprefix("audio/"))
    order = params.get("endianness")
    return RawFormat(rate, channels, None if order is None else ">i2" if order.startswith("big") else "<i2")


def _byte_order(little: np.ndarray) -> str | None:
    """Return "<i2" or ">i2", the byte order in which 16-bit samples change slowly from one to the next as sound does,
    or None when this window cannot tell (silence, or noise that is rough either way)."""
    if len(little) < 2 or not little.any():
        return None
    roughness = []
    for values in (little.astype(np.float64), little.byteswap().astype(np.float64)):
        roughness.append(float(np.mean(np.diff(values) ** 2)) / (float(np.mean(values**2)) + 1e-9))
    smooth, rough = sorted(roughness)
    if smooth > 1.0 or rough < 2 * smooth:  # white noise scores ~2 either way; sound read rightly well under 1
        return None
    return "<i2" if roughness[0] < roughness[1] else ">i2"


def _mulaw_table() -> np.ndarray:
    code = ~np.arange(256, dtype=np.int32) & 0xFF
    exponent, mantissa = (code >> 4) & 0x07, code & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return (np.where(code & 0x80, -magnitude, magnitude) / 32768.0).astype(np.float32)


def _alaw_table() -> np.ndarray:
    code = np.arange(256, dtype=np.int32) ^ 0x55
    exponent, mantissa = (code >> 4) & 0x07, code & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    return (np.where(code & 0x80, magnitude, -magnitude) / 32768.0).astype(np.float32)


_MULAW, _ALAW = _mulaw_table(), _alaw_table()
