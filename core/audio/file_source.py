"""A recording played as if it were a microphone (the live session's other source; see core.audio.capture)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from core.audio.decode import CUT_SHORT_SLACK_MS, SAMPLE_RATE, falls_short, iter_audio, probe
from core.audio.sources import (
    BLOCK_MS, END_OF_STREAM, FILE_CUT_SHORT, FILE_UNREADABLE, BlockCallback, SourceStatus, StatusCallback,
)
from core.errors import ParleyError

log = logging.getLogger(__name__)

PACE_POLL_S = 0.01  # how often a paced FileSource looks whether its reader has caught up


class FileSource:
    """Plays a recording as if it were a microphone: at real-time speed, faster, or as fast as possible (speed=None).

    As fast as possible is as fast as the reader keeps up: with speed None, playback holds before
    each block while `paced_by()` says the reader is behind (a live session sets it, so the whole
    file is not queued at once and every part is listened to as it would be live).
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, path: str | Path, *, speed: float | None = 1.0, block_ms: int = BLOCK_MS):
        if speed is not None and not 0 < speed < float("inf"):
            raise ValueError(f"speed must be positive and finite, or None, got {speed}")
        self.path = Path(path)
        self.speed = speed
        self.block_ms = block_ms
        self.name = f"file: {self.path.name}"
        self.delivered_ms = 0
        self._declared_ms = 0  # the length the file declares (probed at start)
        self.started: float | None = None  # time.monotonic() when playback began (moved on by pauses)
        self.paced_by: Callable[[], bool] | None = None  # speed None: True while the reader is behind (see the class doc)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._running = threading.Event()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def start(self, on_block: BlockCallback, on_status: StatusCallback) -> None:
        """Return None once playback runs in its own thread; raise an AudioError when the file is unusable."""
        info = probe(self.path)
        cut_short = None
        if info.header_ms and info.duration_ms < info.header_ms - CUT_SHORT_SLACK_MS:  # said at once, as an event, not at the end in a log
            cut_short = SourceStatus(FILE_CUT_SHORT, f"{self.path.name} holds {info.duration_ms / 1000:.1f} s of the "
                                                     f"{info.header_ms / 1000:.1f} s its header declares (a copy cut short?); "
                                                     "playing what it holds.")
        self._declared_ms = info.duration_ms
        self._thread = threading.Thread(target=self._play, args=(on_block, on_status, cut_short), name="parley-file-source", daemon=True)
        self._thread.start()

    def _play(self, on_block: BlockCallback, on_status: StatusCallback, cut_short: SourceStatus | None) -> None:
        if cut_short is not None:
            on_status(cut_short)
        clock = self.started = time.monotonic()
        played = 0.0  # seconds of audio delivered since `clock` was last set
        size = SAMPLE_RATE * self.block_ms // 1000
        try:
            for chunk in iter_audio(self.path, chunk_ms=max(self.block_ms, 1000)):
                for at in range(0, len(chunk), size):
                    block = chunk[at:at + size]
                    if not self._running.is_set():
                        held = time.monotonic()
                        self._running.wait()
                        clock, played = time.monotonic(), 0.0
                        self.started += clock - held
                    if self._stopping.is_set():
                        return
                    played += len(block) / SAMPLE_RATE
                    if self.speed is not None:
                        # a block is "captured" once it has been played, like a microphone's
                        delay = clock + played / self.speed - time.monotonic()
                        if delay > 0 and self._stopping.wait(delay):
                            return
                    elif self.paced_by is not None:
                        while self.paced_by():
                            if self._stopping.wait(PACE_POLL_S):
                                return
                    self.delivered_ms += len(block) * 1000 // SAMPLE_RATE
                    on_block(block)
        except Exception as exc:  # reported as the end of this source, never raised in its thread
            if isinstance(exc, ParleyError):  # a file that turned out damaged further on: said in plain words
                log.info("playing %s failed: %s", self.path, exc)
            else:
                log.exception("playing %s failed", self.path)
            on_status(SourceStatus(FILE_UNREADABLE, f"Reading {self.path.name} failed: {exc}", fatal=True))
            return
        if self._stopping.is_set():
            return
        if cut_short is None and falls_short(self.delivered_ms, self._declared_ms):  # FFmpeg skipped a damaged stretch
            on_status(SourceStatus(FILE_CUT_SHORT, f"{self.path.name} ends after {self.delivered_ms / 1000:.1f} s of the "
                                                   f"{self._declared_ms / 1000:.1f} s it declares: part of it is damaged "
                                                   "or missing; what could be read was played."))
        on_status(SourceStatus(END_OF_STREAM, f"{self.path.name} has been played to its end.", fatal=True))

    def pause(self) -> None:
        """Return None; playback holds until resume()."""
        self._running.clear()

    def resume(self) -> None:
        """Return None; playback goes on from where it paused."""
        self._running.set()

    def stop(self) -> None:
        """Return None after the playback thread has ended."""
        self._stopping.set()
        self._running.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
