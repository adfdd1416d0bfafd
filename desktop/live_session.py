"""A live recording seen from the GUI: core's ConversationTranscriber with Qt signals.

The transcriber calls back from its own threads; every callback here only emits a signal,
which Qt queues to the GUI thread. Starting (which opens the device and may load a model)
and stopping (which stores the conversation) run on the ops pool, never on the GUI thread.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from desktop.ops import Ops

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InputChoice:
    """Where a recording comes from: a microphone (its name or index, None = default) or a file played as input."""

    device: str | int | None = None
    file: Path | None = None
    speed: float | None = 1.0

    @property
    def is_file(self) -> bool:
        return self.file is not None


def live_options(settings, mode: str, job_options):
    """Return core's LiveOptions for the settings, the recording mode and the better pass's job options."""
    from core.live import LiveOptions

    return LiveOptions(
        model=settings.model, language=settings.language, mode=mode,
        end_of_phrase_silence_ms=settings.end_of_phrase_silence_ms, diarize=settings.diarize, job_options=job_options,
        profanity=settings.profanity,
    )


def prepare_engine(options) -> None:
    """Load the live model, the voice detector and, when speakers are labelled, the speaker models
    (all cached per process), so Record starts without a hitch: their first load holds Python's
    lock for long stretches, which would stall the window during a recording."""
    from core.asr.streaming import StreamingRecognizer

    StreamingRecognizer(options.streaming(), on_event=lambda event: None).whisper
    if options.diarize:
        from core.live.speaker_models import shared_models

        shared_models()


def build_source(choice: InputChoice):
    """Return core's audio source for an input choice."""
    from core.audio.capture import FileSource, MicrophoneSource

    if choice.file is not None:
        return FileSource(choice.file, speed=choice.speed)
    return MicrophoneSource(choice.device)


class LiveSession(QObject):
    """One recording: start, pause, resume, stop; results and its end arrive as signals."""

    started = Signal(str)  # conversationId
    interim = Signal(object)  # core.live.LiveResult, final False
    final = Signal(object)  # core.live.LiveResult, final True
    ended = Signal(str, str)  # the session ended by itself: reason (EndOfStream, Error), details
    stopped = Signal(str)  # conversationId, once stored ("" when nothing was: stopped as it began)
    warning = Signal(str, str)  # code (core's: InputOverflow, DeviceLost, DeviceBack, ...), message
    failed = Signal(object)  # the exception that kept it from starting or from being stored
    _ended_in_core = Signal(str, object)  # from core's event thread: conversationId, storing error or None
    _warned_in_core = Signal(str, str)  # from core's event thread: held until `started` has been emitted

    def __init__(self, ops: Ops, parent: QObject | None = None, speaker_tracker=None):
        super().__init__(parent)
        self._ops = ops
        self._speaker_tracker = speaker_tracker  # a factory, or None for core's default
        self.transcriber = None
        self.conversation_id: str | None = None
        self._stop_asked = False
        self._over = False  # its end (stored, or failed) has reached the GUI thread
        self._held: list[tuple[str, str]] | None = None  # warnings core said before this start was reported
        self._ended_in_core.connect(self._stored)
        self._warned_in_core.connect(self._warned)

    @property
    def state(self) -> str:
        """Return idle, starting, running, paused, stopping or stopped."""
        if self.transcriber is None:
            if self.conversation_id != "":
                return "idle"
            return "stopping" if self._stop_asked else "starting"  # a stop asked while starting waits for the start
        if self._over:
            return "stopped"
        state = self.transcriber.state  # "stopped" in core before the GUI thread has learnt it: still "stopping" here
        return "stopping" if self._stop_asked or state == "stopped" else state

    @property
    def active(self) -> bool:
        """Return whether audio is being (or about to be) recorded and not yet stored."""
        return self.state in ("starting", "running", "paused", "stopping")

    @property
    def level(self) -> float:
        """Return the latest input peak (0..1)."""
        return self.transcriber.level if self.transcriber is not None else 0.0

    @property
    def recorded_ms(self) -> int:
        """Return how much audio has been recorded."""
        return self.transcriber.recorded_ms if self.transcriber is not None else 0

    @property
    def ending(self) -> tuple[str, str] | None:
        """Return (reason, details) of a session ending by itself (EndOfStream, Error), or None (not known yet)."""
        cause = self.transcriber.ending if self.transcriber is not None else None
        return (cause.reason, cause.error_details or "") if cause is not None else None

    def start(self, choice: InputChoice, options) -> None:
        """Open the input and start captioning off the GUI thread; `started` or `failed` follows.

        `options` is core's LiveOptions, or a function returning them (called off the GUI thread,
        since core.live's first import loads the speech engine's libraries).
        """
        self.conversation_id = ""  # marks "starting"
        self._held = []  # core's session_started comes before this start is reported on the GUI thread

        def start(library):
            from core.jobs.queue import TranscriptionQueue
            from core.live import ConversationTranscriber

            tracker = self._speaker_tracker() if self._speaker_tracker else None
            transcriber = ConversationTranscriber(
                build_source(choice), options=options() if callable(options) else options, library=library, queue=TranscriptionQueue(library),
                speaker_tracker=tracker,
            )
            transcriber.transcribing.connect(lambda e: self.interim.emit(e.result))
            transcriber.transcribed.connect(lambda e: self.final.emit(e.result))
            transcriber.canceled.connect(lambda e: self.ended.emit(e.reason, e.error_details or ""))
            transcriber.warning.connect(lambda e: self._warned_in_core.emit(e.code, e.message))
            # the one way the end is learnt, whether the user stopped or the input ended by itself
            transcriber.session_stopped.connect(lambda e: self._ended_in_core.emit(e.conversation_id, transcriber.error))
            transcriber.start()
            return transcriber

        def on_started(transcriber) -> None:
            self.transcriber = transcriber
            self.conversation_id = transcriber.conversation_id
            if self._stop_asked:  # the user stopped while it was starting: stop now that it can be
                self._stop_asked = False
                self.stop()
            self.started.emit(transcriber.conversation_id)
            held, self._held = self._held or [], None
            for code, message in held:
                self.warning.emit(code, message)

        def on_failed(error: BaseException) -> None:
            self.conversation_id = None
            self._held = None
            self._stop_asked = False
            self.failed.emit(error)

        def opened(library) -> None:  # the library opens on its thread at start-up; start after it
            self._ops.background(lambda: start(library), parent=self).success(on_started).failure(on_failed).run()

        self._ops.library_op(lambda library: library, parent=self).success(opened).failure(on_failed).run()

    def _warned(self, code: str, message: str) -> None:
        if self._held is not None:  # "Recording…" for this start has not been said yet: the warning comes after it
            self._held.append((code, message))
        else:
            self.warning.emit(code, message)

    def pause(self) -> None:
        """Pause capture (nothing is recorded until resume); returns nothing."""
        if self.transcriber is not None and self.state == "running":
            self.transcriber.pause()

    def resume(self) -> None:
        """Resume capture after a pause; returns nothing."""
        if self.transcriber is not None and self.state == "paused":
            self.transcriber.resume()

    def stop(self) -> None:
        """Ask the recording to stop (off the GUI thread); `stopped` (or `failed`) follows once it is stored.

        Asked while starting, the stop is remembered and carried out as soon as the recording has started.
        """
        transcriber = self.transcriber
        if transcriber is None:
            if self.state == "starting":
                self._stop_asked = True  # carried out by on_started
            return
        if self._stop_asked:
            return
        self._stop_asked = True
        self._ops.background(transcriber.stop, parent=self).failure(self._stop_failed).run()

    def _stop_failed(self, error: BaseException) -> None:
        self._over = True
        self.failed.emit(error)

    def _stored(self, conversation_id: str, error: BaseException | None) -> None:
        self._stop_asked = self._over = True
        self._ops.changes.library_changed.emit()
        if error is not None:
            self.failed.emit(error)  # the recording and its journal stay on disk for recovery
        else:
            self.stopped.emit(conversation_id or "")
