"""Events of a live session, in the Speech SDK's style: `signal.connect(callback)` and small argument objects.

All callbacks of a session run on one background thread of the session, one at a time, in the
order the events happened (see EventDispatcher). A callback that raises is logged and ignored.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.live.result import LiveResult

log = logging.getLogger(__name__)

END_OF_STREAM, ERROR = "EndOfStream", "Error"
NO_ERROR = "NoError"  # the code of a cancellation that is no error (the input's end): the Speech SDK's CancellationErrorCode


@dataclass(frozen=True)
class SessionEventArgs:
    """A session started or stopped."""

    session_id: str
    conversation_id: str


@dataclass(frozen=True)
class ConversationTranscriptionEventArgs:
    """An interim (transcribing) or final (transcribed) result."""

    result: "LiveResult"
    session_id: str


@dataclass(frozen=True)
class CanceledEventArgs:
    """The session ends early: the input ended (EndOfStream, code NoError) or failed (Error, with a code and details).

    A cause that ends the session comes after its last result; a recognizer that fails mid-session says so at once
    (the recording goes on), and a conversation that could not be stored says so last (StoreError).
    """

    reason: str
    error_code: str
    error_details: str
    session_id: str


@dataclass(frozen=True)
class LevelEventArgs:
    """The input level of the last block: peak (0..1, linear) and RMS in dBFS, at a recording time."""

    peak: float
    rms_dbfs: float
    offset_ms: int


@dataclass(frozen=True)
class WarningEventArgs:
    """Non-fatal trouble: InputOverflow, NoAudio, RecognizerBehind, SpeakersUnavailable."""

    code: str
    message: str


class EventSignal:
    """A list of callbacks for one kind of event (connect/disconnect, like the Speech SDK's EventSignal)."""

    def __init__(self, name: str):
        self.name = name
        self._callbacks: list[Callable[[Any], None]] = []
        self._lock = threading.Lock()

    def connect(self, callback: Callable[[Any], None]) -> None:
        """Return None; the callback will be called with the event's arguments."""
        with self._lock:
            self._callbacks.append(callback)

    def disconnect(self, callback: Callable[[Any], None] | None = None) -> None:
        """Return None after removing one callback (or all of them when none is named)."""
        with self._lock:
            self._callbacks = [c for c in self._callbacks if callback is not None and c != callback]

    def is_connected(self) -> bool:
        """Return whether any callback listens."""
        return bool(self._callbacks)

    def fire(self, args: Any) -> None:
        """Return None after calling every callback (exceptions are logged, never raised)."""
        with self._lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback(args)
            except (Exception, SystemExit):  # a listener's bug must not stop the session (sys.exit() ended every later event)
                log.exception("a %s callback failed", self.name)


class EventDispatcher:
    """Calls event callbacks on its own thread, so slow listeners never hold up capture or recognition."""

    _STOP = object()

    def __init__(self):
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="parley-live-events", daemon=True)
        self._thread.start()

    @property
    def thread(self) -> threading.Thread:
        return self._thread

    def post(self, signal: EventSignal, args: Any) -> None:
        """Return None at once; the signal fires on the dispatcher thread."""
        self._queue.put((signal, args))

    def close(self, wait: bool = True, then: Callable[[], None] | None = None) -> None:
        """Return None after every posted event has been delivered (when wait is True); `then` is called on the
        dispatcher thread once they have been."""
        if then is not None:
            self._queue.put(then)
        self._queue.put(self._STOP)
        if wait and threading.current_thread() is not self._thread:
            self._thread.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is self._STOP:
                return
            if callable(item):
                item()
                continue
            signal, args = item
            signal.fire(args)
