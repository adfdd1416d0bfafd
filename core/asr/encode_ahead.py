"""The live recognizer's encoder thread: the next buffer is encoded while the words of the last one are generated.

On CPU the whisper model is split into an encoder copy (every core) and a generating copy (one
core), so the two halves of a decode can run at once: the recognizer thread generates the words
of one buffer while this thread encodes the audio heard in the meantime. One buffer is in flight
at a time; `on_encoded` is called (on this thread) when it is ready, so the caller can take it at
once instead of at its next audio block.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from core.asr.utterance_buffer import UtteranceBuffer
from core.asr.window_decoder import Encoded


@dataclass
class Snapshot:
    """An utterance's buffer as it was sent to the encoder: its span (absolute samples), onset, and the encoder's pass."""

    utterance: UtteranceBuffer
    start: int
    end: int
    onset: int
    encoded: Encoded | None | Future = None


class EncoderThread:
    """Encodes one snapshot at a time on the thread `whisper-encoder` (started on first use)."""

    def __init__(self, encode: Callable[[np.ndarray], Encoded | None]):
        self.encode = encode
        self.on_encoded: Callable[[], None] | None = None
        self.pending: Snapshot | None = None  # the snapshot sent and not yet taken or dropped
        self._executor: ThreadPoolExecutor | None = None
        self._last: Future | None = None  # the last pass sent: a dropped one still runs to its end

    def send(self, snapshot: Snapshot, audio: np.ndarray) -> None:
        """Return None at once; the snapshot's audio is being encoded and the snapshot is pending."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper-encoder")
        snapshot.encoded = self._last = self._executor.submit(self.encode, audio.copy())
        if self.on_encoded is not None:
            snapshot.encoded.add_done_callback(lambda _: self.on_encoded())
        self.pending = snapshot

    def ready(self) -> bool:
        """Return whether the pending snapshot's encoder pass is done."""
        return self.pending is not None and self.pending.encoded.done()

    @property
    def busy(self) -> bool:
        """Return whether an encoder pass is running (the encoder copy of the model is taken)."""
        return self._last is not None and not self._last.done()

    def take(self, utterance: UtteranceBuffer) -> Snapshot | None:
        """Return the pending snapshot once encoded, if it is of `utterance` (one of another is waited for and dropped)."""
        snapshot, self.pending = self.pending, None
        if snapshot is None:
            return None
        snapshot.encoded = snapshot.encoded.result()  # an encoder failure is raised here, on the caller's thread
        return snapshot if snapshot.utterance is utterance else None

    def drop(self) -> None:
        """Return None at once; the pending snapshot is forgotten (its pass runs on, unused)."""
        self.pending = None

    def close(self) -> None:
        """Return None once the thread has ended (the passes sent finish first); it starts again if used."""
        self.pending = None
        if self._executor is not None:
            self._executor.shutdown()
            self._executor = None
