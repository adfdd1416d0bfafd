"""ConversationTranscriber: a live session from an audio source to results, a crash-safe recording and a stored conversation.

Threads (none of them ever waits on a slower one):
- the source's thread (PortAudio's callback or the file player) only queues blocks;
- the capture pump writes each block to the recording first, measures its level, then hands it on
  to the recognizer and the speaker threads;
- the recognizer thread drains everything queued, feeds the streaming recognizer, and runs one
  interim decode per round (skipped when audio piles up); at the end it finalizes, stores the
  conversation and queues the re-transcription;
- the recognizer's encoder thread encodes the next buffer while the recognizer thread generates
  the words of the last one, and wakes the recognizer thread when it is done;
- the speaker thread (core.live.speaker_feed) feeds the speaker tracker, so its work overlaps
  whisper's generation; a result waits until the tracker has heard as far as the recognizer;
- the event thread calls listeners, one event at a time, in order.
"""

from __future__ import annotations

import logging
import math
import queue as queues
import shutil
import threading
import time
import uuid

from core import paths
from core.asr.streaming import StreamingRecognizer
from core.asr.streaming_options import RecognitionEvent
from core.audio.capture import DEVICE_BACK, DEVICE_LOST, END_OF_STREAM, INPUT_OVERFLOW, AudioSource, SourceStatus
from core.audio.levels import block_level
from core.audio.recorder import Recorder
from core.errors import ParleyError, describe
from core.live import journal
from core.live.events import (
    END_OF_STREAM as ENDED, ERROR, NO_ERROR, CanceledEventArgs, ConversationTranscriptionEventArgs, EventDispatcher,
    EventSignal, LevelEventArgs, SessionEventArgs, WarningEventArgs,
)
from core.live.options import LiveOptions
from core.live.recovery import left_unstored
from core.live.result import LiveResult
from core.live.speaker_feed import SpeakerFeed
from core.live.shaping import ResultShaper
from core.live.speakers import LiveSpeakerTracker, speaker_tracker_for
from core.results import Utterance, new_conversation_id

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
IDLE, RUNNING, PAUSED, STOPPING, STOPPED = "idle", "running", "paused", "stopping", "stopped"
_END, _PAUSE, _ENCODED = object(), object(), object()  # _ENCODED: the encoder thread has a buffer ready
WARNING_INTERVAL_S = 5.0
# a session stopped before this much was recorded, with no words heard (Record then Stop at once), stores nothing: an
# empty conversation of 0:00 in the library, with a re-transcription queued, was all it left
NOTHING_RECORDED_MS = 1000
RECORDING_RESTORED = "RecordingRestored"  # the warning that the recording's folder was deleted and written again
# how often a warning of a kind is posted: at most every so many seconds (0: each time, as it happens); other kinds once a session
WARNING_EVERY_S = {INPUT_OVERFLOW: WARNING_INTERVAL_S, DEVICE_LOST: 0.0, DEVICE_BACK: 0.0, RECORDING_RESTORED: 0.0}


class ConversationTranscriber:
    """A live session: start(), pause()/resume(), stop() -> conversationId; events as EventSignals."""

    def __init__(self, source: AudioSource, options: LiveOptions | None = None, library=None, *,
                 speaker_tracker: LiveSpeakerTracker | None = None, queue=None):
        self.source = source
        self.options = options or LiveOptions()
        self.library = library
        self.queue = queue
        self.tracker = speaker_tracker or speaker_tracker_for(self.options.diarize)
        self.session_started = EventSignal("session_started")
        self.session_stopped = EventSignal("session_stopped")
        self.transcribing = EventSignal("transcribing")
        self.transcribed = EventSignal("transcribed")
        self.canceled = EventSignal("canceled")
        self.level_changed = EventSignal("level_changed")
        self.warning = EventSignal("warning")
        self.session_id = uuid.uuid4().hex
        self.conversation_id: str | None = None
        self.level, self.level_dbfs = 0.0, -math.inf
        self.error: BaseException | None = None  # what went wrong while storing, if anything
        self.recognizer = StreamingRecognizer(self.options.streaming(), on_event=self._recognized)
        # the words of a buffer encoded ahead are generated as soon as it is ready, not at the next block
        self.recognizer.encoder_thread.on_encoded = lambda: self._heard.put(_ENCODED)
        self._state = IDLE
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._captured: queues.SimpleQueue = queues.SimpleQueue()
        self._heard: queues.SimpleQueue = queues.SimpleQueue()
        self._speakers = SpeakerFeed(self.tracker)
        self._shaper = ResultShaper(self.tracker)
        self._listened_ms = 0  # the recording time the recognizer has been fed up to
        self._waiting_samples = 0  # audio handed to the recognizer thread but not yet taken
        self._count_lock = threading.Lock()
        # a file played as fast as possible goes at recognition's pace: it holds while an update interval of audio waits,
        # and each interim decode waits for its encoder pass, so the results are those of a live session, only sooner
        self._paced = getattr(source, "speed", 1.0) is None and hasattr(source, "paced_by")
        if self._paced:
            interval_ms, block_ms = self.recognizer.options.update_interval_ms, source.block_ms
            source.paced_by = lambda: (self._captured.qsize() * block_ms  # blocks the capture pump has not yet passed on
                                       + self._waiting_samples * 1000 // SAMPLE_RATE >= interval_ms)
        self._finals: list[Utterance] = []
        self._held: tuple[int, int] = (-1, 0)  # the result index and committed words last journaled as under way
        self._results: list[LiveResult] = []
        self._warned_at: dict[str, float] = {}  # warning code -> when it was last posted
        self._recorder: Recorder | None = None
        self._journal: journal.SessionJournal | None = None
        self._events: EventDispatcher | None = None
        self._threads: list[threading.Thread] = []
        self._live_marker = None
        self._abandoned = False
        # what ended the session by itself (the input's end, a lost input, a full disk): said after the last result
        self._cancel: CanceledEventArgs | None = None
        self._began = threading.Event()  # session_started is posted (or the start failed)
        self._started = threading.Event()  # start() has returned or raised
        self._early: list[SourceStatus] = []  # what the source said while it started: said after session_started

    # -- public surface -------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def recorded_ms(self) -> int:
        """Return how much audio is in the recording so far."""
        return self._recorder.duration_ms if self._recorder else 0

    @property
    def ending(self) -> CanceledEventArgs | None:
        """Return why the session is ending by itself (the input's end, a lost input, a full disk), or None; known at
        once, while its `canceled` event waits for the last results."""
        return self._cancel

    @property
    def folder(self):
        return paths.audio_dir() / self.conversation_id if self.conversation_id else None

    def results(self) -> list[LiveResult]:
        """Return the final results so far, in order."""
        return list(self._results)

    def start(self) -> None:
        """Return None once capture runs; raise DeviceError (or AudioError) when the source cannot start."""
        with self._lock:
            if self._state != IDLE:
                raise ParleyError("This live session has already been started.", hint="Create a new ConversationTranscriber.")
            self._state = RUNNING
        try:
            self._start()
        finally:
            self._started.set()

    def _start(self) -> None:
        from core.jobs.live import live_session

        self.conversation_id = new_conversation_id()
        folder = paths.audio_dir() / self.conversation_id
        info = journal.SessionInfo.begun_here(self.conversation_id, self.options.title, f"live: {self.source.name}",
                                              self.recognizer.model.name, self.recognizer.locale, self.options.mode,
                                              self.options.job_options)
        try:
            self._recorder = Recorder(folder / journal.AUDIO_FILE)
            self._journal = journal.SessionJournal(folder, info)
        except BaseException:  # nothing was recorded yet: no half-made folder is left for recovery to trip on
            if self._recorder is not None:
                self._recorder.close()
            shutil.rmtree(folder, ignore_errors=True)
            with self._lock:
                self._state = STOPPED
            self.conversation_id = None  # nothing was stored under it
            self._ended.set()
            raise
        self._live_marker = live_session()
        self._live_marker.__enter__()
        self._events = EventDispatcher()
        self._threads = [threading.Thread(target=self._pump, name="parley-live-capture", daemon=True),
                         threading.Thread(target=self._listen, name="parley-live-recognizer", daemon=True),
                         self._speakers.thread]
        for thread in self._threads:
            thread.start()
        try:
            self.source.start(self._captured.put, self._source_status)
        except BaseException:
            self._abandon(folder)
            raise
        if info.source != f"live: {self.source.name}":  # a microphone's name is known once it is open
            self._journal.update(source=f"live: {self.source.name}")
        self._post(self.session_started, SessionEventArgs(self.session_id, self.conversation_id))
        with self._lock:
            self._began.set()
            early, self._early = self._early, []
        for status in early:
            self._source_status(status)

    def pause(self) -> None:
        """Return None; capture holds (nothing is recorded) and the utterance under way is finalized up to its last quiet
        moment: speech of its last 1.5 s (a word Pause cut in two) is heard with what follows when the recording resumes."""
        with self._lock:
            if self._state != RUNNING:
                return
            self._state = PAUSED
        self.source.pause()
        self._captured.put(_PAUSE)

    def resume(self) -> None:
        """Return None; capture goes on (the recording continues where it paused)."""
        with self._lock:
            if self._state != PAUSED:
                return
            self._state = RUNNING
        self.source.resume()

    def stop(self) -> str | None:
        """Return the conversationId after the conversation is stored (at once when called from an event callback);
        None when nothing was stored (stopped before NOTHING_RECORDED_MS with no words heard, or a start that failed).

        A stop while start() runs on another thread comes once it has: its source was started after the stop (and
        recorded on), and its session_started came after session_stopped, into a dispatcher already closed."""
        with self._lock:
            idle = self._state == IDLE
        if idle:  # nothing to stop (read once: seen IDLE, then RUNNING, it waited for a session never asked to stop)
            return self.conversation_id
        self._started.wait()
        self._request_stop()
        if threading.current_thread() in (*self._threads, self._events.thread if self._events else None):
            return self.conversation_id
        self.wait()
        if self._events is not None:
            self._events.close()
        return self.conversation_id

    def wait(self, timeout: float | None = None) -> bool:
        """Return whether the session has ended (stored, and every event delivered) within the timeout; False at once
        for a session not started."""
        if self._state == IDLE:
            return False
        if self._events is not None and threading.current_thread() is self._events.thread:
            return self._state == STOPPED  # from a callback: the events still to deliver come after this one
        return self._ended.wait(timeout)

    # -- threads --------------------------------------------------------------------------------

    def _request_stop(self) -> None:
        with self._lock:
            if self._state in (IDLE, STOPPING, STOPPED):
                return
            self._state = STOPPING
        self.source.stop()
        self._captured.put(_END)

    def _source_status(self, status: SourceStatus) -> None:
        with self._lock:
            if not self._began.is_set():  # the source runs before start() has said session_started
                self._early.append(status)
                return
        if status.code == END_OF_STREAM:
            self._end_early(ENDED, NO_ERROR, status.message)
        elif status.fatal:
            self._end_early(ERROR, status.code, status.message)
        else:
            if status.code == DEVICE_LOST:  # the microphone is waited for: a meter shows no sound, not the last block's
                self.level, self.level_dbfs = 0.0, -math.inf
            self._warn(status.code, status.message)
        if status.fatal:
            threading.Thread(target=self._request_stop, name="parley-live-stop", daemon=True).start()

    def _end_early(self, reason: str, code: str, details: str) -> None:
        """Keep the first cause of a session that ends by itself: _finish says it after the recognizer's last final."""
        with self._lock:
            self._cancel = self._cancel or CanceledEventArgs(reason, code, details, self.session_id)

    def _pump(self) -> None:
        """Capture pump: every block goes to the recording first, then to the level meter and the recognizer."""
        write_failed, restored = False, 0
        while True:
            item = self._captured.get()
            if item is _END or item is _PAUSE:
                self._heard.put(item)
                if item is _END:
                    self._speakers.end()
                    return
                continue
            if write_failed:
                continue  # nothing is analysed that is not on disk
            offset_ms = self._recorder.duration_ms
            try:
                self._recorder.write(item)
            except ParleyError as exc:  # the disk is full or gone: stop, keeping what is recorded
                write_failed = True
                self._end_early(ERROR, "RecordingFailed", exc.user_message())
                threading.Thread(target=self._request_stop, daemon=True).start()
                continue
            if self._recorder.restored != restored:  # its folder was deleted: the recorder wrote its file again
                restored = self._recorder.restored
                self._journal.restore()
                self._warn(RECORDING_RESTORED, f"The recording's folder {self._journal.folder} was deleted while "
                           "recording; Parley wrote what it had recorded there again, and goes on.")
            self.level, self.level_dbfs = block_level(item)
            self._post(self.level_changed, LevelEventArgs(self.level, self.level_dbfs, offset_ms))
            with self._count_lock:
                self._waiting_samples += len(item)
            self._heard.put((offset_ms, item))
            self._speakers.put(offset_ms, item)

    def _listen(self) -> None:
        """Recognizer thread: drain, feed, one interim decode per round; finalize and store at the end."""
        failed = False
        try:
            self.recognizer.whisper  # load the model while the first audio is being recorded
        except ParleyError as exc:
            failed = self._recognizer_failed(exc)
        try:
            self._recognize(failed)
        finally:
            self.recognizer.close()  # the encoder thread ends with this one
        self._check_speakers()
        self._finish()

    def _recognize(self, failed: bool) -> None:
        """Return at the end of the stream: drain, feed, one interim decode per round (`failed`: feed nothing)."""
        while True:
            items = [self._heard.get()]
            while True:
                try:
                    items.append(self._heard.get_nowait())
                except queues.Empty:
                    break
            ended, fed = False, False
            for item in items:
                if item is _END:
                    ended = True
                    continue
                if item is _PAUSE:
                    failed = failed or self._safely(self.recognizer.pause)
                    continue
                if item is _ENCODED:
                    continue
                offset_ms, block = item
                fed = True
                self._listened_ms = offset_ms + len(block) * 1000 // SAMPLE_RATE
                with self._count_lock:
                    self._waiting_samples -= len(block)
                if not failed:
                    failed = self._safely(lambda: self.recognizer.feed(block))
            self._check_speakers()
            if ended:
                if not failed:
                    self._safely(self.recognizer.flush)
                break
            if not failed:
                waiting_ms = self._waiting_samples * 1000 // SAMPLE_RATE
                # one interim decode per round keeps the lag bounded by a round's length; when finals alone
                # fall behind, they decode greedily and interims wait until the backlog is gone
                self.recognizer.hurry = waiting_ms > 1000
                if waiting_ms > self.options.max_lag_ms:
                    if fed:  # a round woken only by the encoder thread brought no audio: nothing was left out
                        self.recognizer.skip_update()
                    self._warn("RecognizerBehind", "Recognition is behind the audio; interim results are thinned out.")
                else:
                    failed = self._safely(lambda: self.recognizer.update(wait=self._paced))

    def _check_speakers(self) -> None:
        """Warn once when the speaker tracker has stopped (its models failed): the session goes on without speakers."""
        problem = getattr(self.tracker, "problem", None)
        if problem:
            self._warn("SpeakersUnavailable", problem)

    def _safely(self, step) -> bool:
        """Return True when a recognition step failed (reported once; capture and recording go on)."""
        try:
            step()
            return False
        except Exception as exc:  # recognition must never take the recording down with it
            log.exception("live recognition failed")
            return self._recognizer_failed(exc)

    def _recognizer_failed(self, exc: BaseException) -> bool:
        message = describe(exc)
        self._began.wait()  # the model loads while the source starts: its failure comes after session_started
        self._post(self.canceled, CanceledEventArgs(ERROR, "RecognizerError", message, self.session_id))
        return True

    def _recognized(self, event: RecognitionEvent) -> None:
        """Called by the recognizer (on its thread): label speakers (core.live.shaping), journal finals, post the events."""
        self._speakers.wait_until(self._listened_ms)  # a tracker without peek() fixes what an interim asks for, too
        results = self._shaper.shape(event, self.recognizer.locale)
        if event.final and not event.no_match:
            if self.recognizer.locale != self._journal.info.locale:  # a multilingual model's language, heard: recovery keeps it too
                self._journal.update(locale=self.recognizer.locale)
            for shaped in results:
                self._finals.append(shaped.utterance)
                self._journal.append(shaped.utterance)
        elif not event.final and results and (results[0].index, results[0].stable_words) > self._held:
            # words shown as settled are kept by a crash too (journaled again as more of them settle)
            self._held = (results[0].index, results[0].stable_words)
            self._journal.hold(results[0].utterance, results[0].stable_words, self.recognizer.locale)
        for shaped in results:
            self._emit(self.transcribed if shaped.final else self.transcribing, shaped.utterance, shaped.index,
                       shaped.stable_words, no_match=shaped.no_match, ending=shaped.ending)

    def _emit(self, signal: EventSignal, utterance: Utterance, index: int, stable_words: int, *, no_match: bool = False,
              ending: str | None = None) -> None:
        label = f"Guest-{utterance.speaker}" if utterance.speaker is not None else None
        result = LiveResult(result_id=utterance.result_id, result_index=index, final=signal is self.transcribed,
                            utterance=utterance, stable_words=stable_words, speaker_label=label, no_match=no_match,
                            end_of_utterance=ending, locale=self.recognizer.locale, text_options=self.options.text_options)
        if result.final and not no_match:
            self._results.append(result)
        self._post(signal, ConversationTranscriptionEventArgs(result, self.session_id))

    def _finish(self) -> None:
        """Close the recording, store the conversation, tidy up and say the session stopped."""
        if self._abandoned:
            return
        if self._cancel is not None:  # after the last finals, as the Azure SDK does: a reader may stop at it
            self._post(self.canceled, self._cancel)
        try:
            self._recorder.close()
            self._journal.close()
            self._speakers.wait_done()
            self.tracker.close()
            if self._recorder.duration_ms < NOTHING_RECORDED_MS and not self._finals:
                log.info("stopped after %d ms with nothing heard: nothing stored", self._recorder.duration_ms)
                shutil.rmtree(self._journal.folder, ignore_errors=True)
                self.conversation_id = None  # nothing was stored under it: stop() returns None
            else:
                self._store()
        except Exception as exc:  # the recording and its journal stay on disk for recovery
            if isinstance(exc, ParleyError):  # said to the user in plain words by the canceled event
                log.info("storing the live session %s failed: %s", self.conversation_id, exc)
            else:
                log.exception("storing the live session %s failed", self.conversation_id)
            self.error = exc
            message = exc.user_message() if isinstance(exc, ParleyError) else str(exc)
            self._post(self.canceled, CanceledEventArgs(ERROR, "StoreError", message, self.session_id))
        finally:
            self._live_marker.__exit__(None, None, None)
            with self._lock:
                self._state = STOPPED
            self._post(self.session_stopped, SessionEventArgs(self.session_id, self.conversation_id))
            # the event thread ends once it has delivered everything, and only then has the session ended for wait()
            self._events.close(wait=False, then=self._ended.set)

    def _store(self) -> None:
        from core.store import Library

        library = None
        try:
            library = self.library or Library.open()
            journal.save_session(library, self._journal.info, self._finals, self._recorder.path, self._recorder.duration_ms,
                                 queue=self.queue)
        except BaseException:
            left_unstored(self.conversation_id, self._finals)  # offered for recovery now, with finals the full disk kept off the journal
            raise
        finally:
            if self.library is None and library is not None:
                library.close()
        journal.finish(self._journal.folder)

    def _abandon(self, folder) -> None:
        """Undo a start whose source failed: nothing was recorded, so nothing is kept."""
        self._abandoned = True
        try:
            self.source.stop()  # whatever it opened before failing is closed
        except Exception as exc:
            log.warning("stopping the failed source: %s", exc)
        self._began.set()
        self._captured.put(_END)
        for thread in self._threads:
            thread.join(timeout=5)
        self._recorder.close()
        self._journal.close()
        self._live_marker.__exit__(None, None, None)
        self._events.close()
        shutil.rmtree(folder, ignore_errors=True)
        with self._lock:
            self._state = STOPPED
        self.conversation_id = None  # nothing was stored under it: stop() returns None
        self._ended.set()

    def _post(self, signal: EventSignal, args) -> None:
        if self._events is not None:
            self._events.post(signal, args)

    def _warn(self, code: str, message: str) -> None:
        """Post a warning as often as its kind may be (WARNING_EVERY_S; once a session by default)."""
        now, every_s, last = time.monotonic(), WARNING_EVERY_S.get(code), self._warned_at.get(code)
        if last is not None and (every_s is None or now - last < every_s):
            return
        self._warned_at[code] = now
        log.warning("%s", message)
        self._post(self.warning, WarningEventArgs(code, message))

