"""Raw samples (core.server.raw_audio) arriving over a WebSocket in pieces, turned into 16 kHz mono as they come.

Raw samples need no decoder (a container's: core.server.container_stream), so each piece is converted
once: the channels averaged, then resampled by FFmpeg's swresample (PyAV), whose state carries across
pieces so their joins make no click. The audio so far lives in one SampleBuffer, so a session of an
hour costs as little per piece as a minute's. 16-bit samples of no stated byte order wait for the
first sound that tells it.
"""

from __future__ import annotations

import threading

import av
import numpy as np

from core.audio.decode import SAMPLE_RATE
from core.server.raw_audio import RawFormat

UNDECIDED_S = 30  # audio that has not told its byte order by then is read little-endian (silence reads alike)


class PcmStream:
    """The 16 kHz mono float32 audio of raw bytes received so far (see the module docstring)."""

    def __init__(self, raw: RawFormat):
        self.raw = raw
        self.used = 0  # bytes converted (whole frames only)
        self._resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE) if raw.rate != SAMPLE_RATE else None
        self._samples = SampleBuffer()

    def audio(self, data: bytes | bytearray, *, ended: bool = False) -> np.ndarray:
        """Return the audio of `data` (all the bytes received so far); `ended`: the last call, flushing the resampler."""
        raw = self.raw
        if raw.encoding is None:  # the byte order is told from the first sound; until then nothing is heard
            undecided_long = len(data) >= UNDECIDED_S * raw.rate * raw.frame_bytes
            raw = self.raw = raw.settled(bytes(data), final=ended or undecided_long)
            if raw.encoding is None:
                return self._samples.view()
        end = len(data) // raw.frame_bytes * raw.frame_bytes
        if end > self.used:
            self._samples.append(self._resampled(raw.samples(bytes(data[self.used : end])).mean(axis=1)))
            self.used = end
        if ended and self._resampler is not None:
            self._samples.append(self._frames(self._resampler.resample(None)))
            self._resampler = None  # flushed: nothing more can follow
        return self._samples.view()

    def close(self) -> None:
        """Return None; raw samples hold nothing to release (a container's decoder holds a thread)."""

    def _resampled(self, mono: np.ndarray) -> np.ndarray:
        if self._resampler is None:
            return mono
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono, dtype=np.float32)[None, :], format="flt", layout="mono")
        frame.sample_rate = self.raw.rate
        return self._frames(self._resampler.resample(frame))

    @staticmethod
    def _frames(frames) -> np.ndarray:
        parts = [f.to_ndarray().reshape(-1) for f in frames]
        return np.concatenate(parts).astype(np.float32) if parts else np.zeros(0, np.float32)


class SampleBuffer:
    """Samples appended by one thread and read by another: one buffer that doubles when full, so appending to an
    hour's audio costs as little as to a minute's; a view taken stays valid (and unchanged) while more is appended."""

    def __init__(self):
        self._lock = threading.Lock()
        self._buffer = np.zeros(SAMPLE_RATE * 60, np.float32)
        self._size = 0

    def append(self, samples: np.ndarray) -> None:
        with self._lock:
            needed = self._size + len(samples)
            if needed > len(self._buffer):
                grown = np.zeros(max(needed, 2 * len(self._buffer)), np.float32)
                grown[: self._size] = self._buffer[: self._size]
                self._buffer = grown
            self._buffer[self._size : needed] = samples
            self._size = needed

    def view(self) -> np.ndarray:
        """Return the samples so far."""
        with self._lock:
            return self._buffer[: self._size]
