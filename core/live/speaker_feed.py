"""The live session's speaker thread: it feeds the speaker tracker every recorded block.

On its own thread the tracker's windows and embeddings overlap whisper's generation (which keeps
one core busy) instead of delaying the next decode. A result calls `wait_until(heard_ms)` before it
takes labels, so it is never labelled from audio the tracker has not heard yet. In real time the
tracker is ahead (about 50 ms of work a second), and only a machine too slow for real time makes
results wait for it.
"""

from __future__ import annotations

import logging
import queue as queues
import threading
import time

import numpy as np

from core.live.speakers import LiveSpeakerTracker

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
SPEAKER_WAIT_S = 30.0  # a result waits this long at most for the speaker thread (only a stuck tracker takes that long)
_END = object()


class SpeakerFeed:
    """Feeds one tracker on the thread `parley-live-speakers`: put() blocks, end(), then wait_done()."""

    def __init__(self, tracker: LiveSpeakerTracker):
        self.tracker = tracker
        self.thread = threading.Thread(target=self._run, name="parley-live-speakers", daemon=True)
        self._blocks: queues.SimpleQueue = queues.SimpleQueue()
        self._fed_ms = 0  # the recording time the tracker has been fed up to
        self._done = threading.Event()

    def put(self, offset_ms: int, block: np.ndarray) -> None:
        """Return None after queuing a recorded block (at `offset_ms` in the recording) for the tracker."""
        self._blocks.put((offset_ms, block))

    def end(self) -> None:
        """Return None; the thread ends once it has fed the blocks queued before."""
        self._blocks.put(_END)

    def wait_until(self, heard_ms: int) -> None:
        """Return once the tracker has been fed up to `heard_ms` of the recording (or it stopped, or SPEAKER_WAIT_S passed)."""
        deadline = time.monotonic() + SPEAKER_WAIT_S
        while self._fed_ms < heard_ms and not self._done.is_set() and time.monotonic() < deadline:
            time.sleep(0.005)

    def wait_done(self) -> bool:
        """Return whether the thread has fed everything and ended (waiting SPEAKER_WAIT_S at most)."""
        return self._done.wait(SPEAKER_WAIT_S)

    def _run(self) -> None:
        try:
            while (item := self._blocks.get()) is not _END:
                offset_ms, block = item
                self.tracker.feed(block, offset_ms)
                self._fed_ms = offset_ms + len(block) * 1000 // SAMPLE_RATE
        except Exception:  # OnlineSpeakerTracker guards itself; any other tracker must not hang the finals
            log.exception("feeding the live speaker tracker failed; later results get no speaker")
        finally:
            self._done.set()
