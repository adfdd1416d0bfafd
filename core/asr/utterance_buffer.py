"""The audio of the speech under way in a live stream, and the words of the result being built from it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import numpy as np

from core.asr.vad import FRAME as VAD_FRAME
from core.results import Word

SAMPLE_RATE = 16_000


def samples_to_ms(samples: int) -> int:
    return samples * 1000 // SAMPLE_RATE


def ms_to_samples(ms: int) -> int:
    return ms * SAMPLE_RATE // 1000


@dataclass
class UtteranceBuffer:
    """The audio buffer of the speech under way and the words of the result being built from it."""

    start: int  # absolute sample where the buffer starts
    first: int  # absolute sample where the current result starts
    chunks: list[np.ndarray] = field(default_factory=list)
    probabilities: list[float] = field(default_factory=list)  # one per 512-sample frame of the buffer
    length: int = 0
    speech: int = 0
    silence: int = 0
    last_speech_end: int = 0
    history: list[Word] = field(default_factory=list)  # the last words already finalized from this buffer
    committed: list[Word] = field(default_factory=list)
    tail: list[Word] = field(default_factory=list)
    decoded_to: int = 0
    index: int | None = None
    result_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    shown: tuple[str, int] = ("", 0)  # the text and committed word count of the last interim emitted

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def anchor(self) -> list[Word]:
        """Return the words new hypotheses must follow: recently finalized plus committed ones."""
        return (self.history + self.committed)[-5:]

    def append(self, frame: np.ndarray, probability: float) -> None:
        self.chunks.append(frame)
        self.probabilities.append(probability)
        self.length += len(frame)

    def quiet_point(self, low_ms: int, high_ms: int) -> int:
        """Return the absolute sample in the middle of the least speech-like frame between two times."""
        first = max(0, (ms_to_samples(low_ms) - self.start) // VAD_FRAME)
        last = min(len(self.probabilities), max(first + 1, -(-(ms_to_samples(high_ms) - self.start) // VAD_FRAME)))
        if first >= last:
            return min(max(ms_to_samples(low_ms), self.start), self.end)
        best = first + int(np.argmin(self.probabilities[first:last]))
        return self.start + best * VAD_FRAME + VAD_FRAME // 2

    def speech_at(self, at: int) -> float:
        """Return the VAD's speech probability of the frame holding an absolute sample (0 outside the buffer)."""
        frame = (at - self.start) // VAD_FRAME
        return float(self.probabilities[frame]) if 0 <= frame < len(self.probabilities) else 0.0

    def onset(self, level: float) -> int:
        """Return the absolute sample where the first frame at least `level` speech-like begins (the buffer's start if none)."""
        for at, probability in enumerate(self.probabilities):
            if probability >= level:
                return self.start + at * VAD_FRAME
        return self.start

    def audio(self) -> np.ndarray:
        joined = np.concatenate(self.chunks) if len(self.chunks) != 1 else self.chunks[0]
        self.chunks = [joined]
        return joined

    def cut(self, at: int) -> None:
        """Drop the buffer before `at` (absolute sample)."""
        joined = self.audio()
        keep = max(0, min(self.length, at - self.start))
        self.chunks = [joined[keep:]]
        self.probabilities = self.probabilities[keep // VAD_FRAME:]
        self.start += keep
        self.length -= keep

    def next_result(self, finalized: list[Word], first_ms: int) -> None:
        """Start a new result in the same buffer after `finalized` words were emitted as final."""
        self.history = (self.history + finalized)[-5:]
        self.committed = self.committed[len(finalized):] if self.committed[: len(finalized)] == finalized else []
        self.first = first_ms * SAMPLE_RATE // 1000
        self.index, self.result_id, self.shown = None, uuid.uuid4().hex, ("", 0)
