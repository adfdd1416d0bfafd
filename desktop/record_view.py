"""The Record view: choose an input, record / pause / stop, watch the level and live captions."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.audio.sources import DEVICE_BACK, DEVICE_LOST
from core.errors import DiskFullError, StoreError
from desktop.captions import IDLE, LISTENING, CaptionsView
from desktop.level_meter import LevelMeter
from desktop.live_session import InputChoice, LiveSession, live_options, prepare_engine
from desktop.record_source import RecordSource
from desktop.recovery_banner import RecoveryBanner
from desktop.services import Services
from desktop.speaker_colors import format_time
from desktop.confirm import confirm

log = logging.getLogger(__name__)

POLL_MS = 100
# what the badge next to the clock says in each state of a recording (nothing when idle or saved)
BADGES = {"starting": "● REC", "running": "● REC", "paused": "❚❚ PAUSED", "stopping": "SAVING…", "lost": "⚠ NO MIC"}


class RecordView(QWidget):
    """Records a conversation with live captions; the conversation is stored when it stops."""

    recording_changed = Signal(bool)  # True while a recording is active
    state_changed = Signal(str)  # the recording's state: idle, starting, running, paused, stopping or stopped
    conversation_saved = Signal(str)  # conversationId of a stored recording
    open_requested = Signal(str)  # the user wants to see a stored recording

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("recordView")
        self.services = services
        self.session: LiveSession | None = None
        self._last_id: str | None = None
        self._stopped_early = ""  # why the recording stopped by itself (a full disk, a microphone gone for good)
        self._stop_pressed = False  # the user stopped it: an error while it is stored is not why it stopped
        self._mic_lost = False  # the microphone was lost mid-recording and is not back yet
        self._prepared: tuple | None = None  # (model, device, language, diarize) whose engine is loaded
        self.engine_ready = False  # the models of the last prepare() are loaded (or failed to load)

        self.source = RecordSource(services, lambda: self.recording)
        self.source.changed.connect(self._update_buttons)
        services.changes.settings_changed.connect(self._settings_changed)
        # its parts, as the window and the tests know them
        self.input_box, self.rescan_button, self.mode_box = self.source.input_box, self.source.rescan_button, self.source.mode_box
        self.record_button = QPushButton("● Record", objectName="recordButton")
        self.record_button.setToolTip("Start recording (Ctrl+R)")
        self.record_button.setAccessibleName("Record")  # not "● Record": the symbol would be read out
        self.pause_button = QPushButton("Pause", objectName="pauseButton")
        self.pause_button.setToolTip("Pause or resume (Ctrl+Shift+P)")
        self.stop_button = QPushButton("■ Stop", objectName="stopButton")
        self.stop_button.setToolTip("Stop and save (Ctrl+.)")
        self.stop_button.setAccessibleName("Stop and save")
        self.record_button.clicked.connect(self.start_recording)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop_recording)
        widest = max(self.pause_button.fontMetrics().horizontalAdvance(text) for text in ("Pause", "Resume"))
        self.pause_button.setMinimumWidth(widest + 40)  # Pause -> Resume must not push the clock and meter aside
        self.elapsed = QLabel("0:00", objectName="elapsed")
        self.elapsed.setAccessibleName("Elapsed time")
        self.badge = QLabel("", objectName="recordingBadge")
        self.badge.setAccessibleName("Recording state")
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)  # as wide as its longest state: the meter beside it stays put
        self.badge.setMinimumWidth(max(self.badge.fontMetrics().horizontalAdvance(text) for text in BADGES.values()) + 16)
        self.meter = LevelMeter()
        self.captions = CaptionsView()
        self.status = QLabel("", objectName="recordStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)  # a long reason (a full disk, a lost microphone) must not widen the window
        self.source.said.connect(self.status.setText)
        self.open_saved = QPushButton("Open the conversation", objectName="openSaved")
        self.open_saved.setToolTip("Show the recording just saved, with its transcript")
        self.open_saved.clicked.connect(lambda: self._last_id and self.open_requested.emit(self._last_id))
        self.open_saved.hide()  # shown once a recording is saved (or recovered)
        self.recovery = RecoveryBanner(services)
        self.recovery.recovered.connect(self._recovered)

        controls = QHBoxLayout()
        controls.addWidget(self.record_button)
        controls.addWidget(self.pause_button)
        controls.addWidget(self.stop_button)
        controls.addSpacing(12)
        controls.addWidget(self.elapsed)
        controls.addWidget(self.badge)
        controls.addSpacing(12)
        controls.addWidget(self.meter, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.recovery)
        layout.addWidget(self.source)
        layout.addLayout(controls)
        layout.addWidget(self.captions, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.open_saved)
        layout.addLayout(bottom)

        self._timer = QTimer(self, interval=POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._update_buttons()
        self.refresh_devices()
        self.recovery.check()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.prepare()

    def prepare(self) -> None:
        """Load the live speech model off the GUI thread, once per model (someone who opens this view is about to record)."""
        settings, mode = self.services.settings, self.mode_box.currentData()
        key = (settings.model, settings.device, settings.language, settings.diarize)
        if key == self._prepared:
            return
        self._prepared = key
        self.engine_ready = False
        if not self.recording and not self.status.text():
            self.status.setText("Loading the speech models…")

        def settled() -> None:
            if self._prepared != key:  # another model was chosen since: ready once that one is loaded
                return
            self.engine_ready = True
            if self.status.text() == "Loading the speech models…":
                self.status.setText("")

        def failed(error) -> None:
            log.warning("could not prepare the live model: %s", error)
            if self._prepared == key:
                settled()
                self._prepared = None  # a real recording will say what is wrong

        job = self.services.job_options()
        op = self.services.ops.background(lambda: prepare_engine(live_options(settings, mode, job)), parent=self)
        op.success(lambda _: settled()).failure(failed).run()

    # settings

    def _settings_changed(self, settings) -> None:
        if not self.recording:  # a recording keeps the mode and models it started with; the view follows once it ends
            self.source.show_mode(settings.live_mode)
            if self.isVisible():  # another model (or speaker labels) chosen: loaded now, not when Record is pressed
                self.prepare()

    # inputs (the source row lists them; these are its face for the window and tests)

    def refresh_devices(self, *, rescan: bool = False) -> None:
        """List the input devices again (off the GUI thread; `rescan` also finds ones plugged in since); returns nothing."""
        self.source.refresh_devices(rescan=rescan)

    def set_file_input(self, path: Path, speed: float | None = 1.0) -> None:
        """Use a recording played at `speed` as the input instead of a microphone; returns nothing."""
        self.source.set_file_input(path, speed)

    def input_choice(self) -> InputChoice:
        """Return the input the next recording will use."""
        return self.source.input_choice()

    # recording

    @property
    def recording(self) -> bool:
        """Return whether a recording is under way (and not yet stored)."""
        return self.session is not None and self.session.active

    def live_options(self):
        """Return core's LiveOptions from the settings and the chosen mode (imports core.live: slow the first time)."""
        return live_options(self.services.settings, self.mode_box.currentData(), self.services.job_options())

    def start_recording(self) -> None:
        """Start a new recording with the chosen input and mode; returns nothing."""
        if self.recording:
            return
        if not self.input_box.has_input():  # no microphone: say what to do, here too (captions kept from before hide the placeholder)
            self.status.setText(self.source.idle_text(IDLE))
            self.input_box.setFocus()
            return
        settings, mode = self.services.settings, self.mode_box.currentData()
        try:
            job = self.services.job_options()
        except Exception as exc:  # a bad setting: tell the user, stay idle
            from desktop.errors import show_error

            show_error(self, exc)
            return
        self.captions.clear_captions()
        self.captions.setPlaceholderText(LISTENING)
        self.open_saved.hide()
        self._mic_lost = False
        self._stopped_early, self._stop_pressed = "", False
        self.status.setText("Starting…")
        self.elapsed.setText(format_time(0))  # not the last recording's length while this one starts
        self.meter.reset()
        session = LiveSession(self.services.ops, self, self.services.live_speaker_tracker)
        session.started.connect(self._started)
        session.interim.connect(lambda r: self.captions.show_interim(r.result_id, r.speaker, r.offset_ms, r.text, r.shown_words,
                                                                     r.shown_stable_words))
        session.final.connect(self._show_final)
        session.ended.connect(self._ended)
        session.stopped.connect(self._stopped)
        session.warning.connect(self._warned)
        session.failed.connect(self._failed)
        self.session = session
        choice = self.input_choice()
        session.start(choice, lambda: live_options(settings, mode, job))
        self._remember_input(choice)
        self._update_buttons()
        self.recording_changed.emit(True)

    def _warned(self, code: str, message: str) -> None:
        self.status.setText(message)
        if code in (DEVICE_LOST, DEVICE_BACK):  # the microphone was unplugged, and is looked for until it is back
            self._mic_lost = code == DEVICE_LOST
            self._update_buttons()

    def _show_final(self, result) -> None:
        if result.no_match:  # the interim's words vanished: take them away, draw nothing
            self.captions.drop_interim(result.result_id)
        else:
            self.captions.add_final(result.result_id, result.speaker, result.offset_ms, result.text, result.shown_words)

    def _remember_input(self, choice: InputChoice) -> None:
        """Keep the microphone just used (or the system default) as the one to offer next time (in the settings file)."""
        if not choice.is_file:
            self.services.change_settings(input_device=self.input_box.device_name(choice))

    def toggle_pause(self) -> None:
        """Pause a running recording, or resume a paused one; returns nothing."""
        if self.session is None:
            return
        if self.session.state == "running":
            self.session.pause()
            # what is said after the pause starts under a heading with its time (the final before it may still come)
            self.captions.break_paragraph(self.session.recorded_ms)
            self.status.setText("Paused — nothing is recorded until you resume.")
        elif self.session.state == "paused":
            self.session.resume()
            self.status.setText("Recording…")
        self._update_buttons()

    def stop_recording(self) -> None:
        """Stop the recording and store it (off the GUI thread; once started, when it is still starting); returns nothing."""
        if self.session is None or self.session.state not in ("starting", "running", "paused"):
            return
        self.status.setText("Saving…")
        self._stop_pressed = True
        self.session.stop()
        self._update_buttons()

    def _started(self, conversation_id: str) -> None:
        self.status.setText("Saving…" if self.session.state == "stopping" else "Recording…")
        self._timer.start()
        self._update_buttons()

    def _ended(self, reason: str, details: str) -> None:
        if reason != "EndOfStream" and not self._stopped_early and not self._stop_pressed:  # the first cause, shown once saved
            self._stopped_early = details
        self.status.setText(_ending_text((reason, details)))
        if self.session is not None:
            self.session.stop()
        self._update_buttons()

    def _stopped(self, conversation_id: str) -> None:
        self._timer.stop()
        self.captions.setPlaceholderText(self.source.idle_text(IDLE))
        self.source.show_mode(self.services.settings.live_mode)
        self._poll()
        self.meter.reset()
        if conversation_id:
            self._last_id = conversation_id
            self.status.setText(f"Saved what was recorded before it stopped: {self._stopped_early}" if self._stopped_early else "Saved.")
            self.open_saved.show()
        else:  # stopped as it began: no empty conversation in the library
            self.status.setText("Nothing was recorded: it stopped before a second of sound.")
        self._update_buttons()
        self.refresh_devices(rescan=True)  # a microphone unplugged during the recording is no longer offered
        if self.isVisible():  # settings changed during the recording are loaded for the next one
            self.prepare()
        self.recording_changed.emit(False)
        if conversation_id:
            self.conversation_saved.emit(conversation_id)

    def _recovered(self, conversation_id: str) -> None:
        if self.recording:  # a new recording's status and button come first; the library lists the recovered one
            return
        self._last_id = conversation_id
        self.status.setText("The interrupted recording is in the library.")
        self.open_saved.show()

    def _failed(self, error: BaseException) -> None:
        from desktop.errors import show_error

        self._timer.stop()
        self.meter.reset()
        self.captions.setPlaceholderText(self.source.idle_text(IDLE))
        self.source.show_mode(self.services.settings.live_mode)
        self._update_buttons()
        self.refresh_devices(rescan=True)
        self.recording_changed.emit(self.recording)
        self.recovery.check()  # a recording that could not be stored (a full disk) is offered until it is
        if isinstance(error, StoreError):  # the recording is kept on disk: said as such, not as a change not saved
            full = isinstance(error, DiskFullError)
            self.status.setText("Not saved to the library yet: the recording and its captions are kept, and offered "
                                "above.")
            error = StoreError("The recording could not be saved to the library: "
                               + ("the disk is full." if full else str(error)),
                               hint=("Free some disk space, then press Recover above: the recording and its captions "
                                     "are kept on disk." if full else
                                     "The recording and its captions are kept on disk; press Recover above to try again."))
        else:
            self.status.setText("")
        show_error(self, error)

    def _poll(self) -> None:
        if self.session is None:
            return
        state = self.session.state
        self.meter.set_peak(self.session.level if state == "running" else 0.0)
        self.elapsed.setText(format_time(self.session.recorded_ms))
        if state != self.badge.property("state") and state == "stopping":  # it ended by itself (the input's end, an error):
            if not self._stop_pressed:  # said now, not once its last finals are made
                self.status.setText(_ending_text(self.session.ending))
            self._update_buttons()

    def _update_buttons(self) -> None:
        self.source.say_what_was_found()
        state = self.session.state if self.session is not None else "idle"
        idle = state in ("idle", "stopped")
        self.record_button.setEnabled(idle and self.input_box.has_input())  # nothing to record from: say so, not fail
        if idle:
            self.captions.setPlaceholderText(self.source.idle_text(IDLE))
        self.pause_button.setEnabled(state in ("running", "paused"))
        self.pause_button.setText("Resume" if state == "paused" else "Pause")
        shown = "lost" if state == "running" and self._mic_lost else state
        self.badge.setText(BADGES.get(shown, ""))
        self.badge.setProperty("state", shown)  # style.qss colours it: red while recording, amber while paused or lost
        self.badge.style().unpolish(self.badge)
        self.badge.style().polish(self.badge)
        self.elapsed.setEnabled(state != "paused")  # the clock greys while nothing is recorded
        self.stop_button.setEnabled(state in ("starting", "running", "paused"))
        self.source.set_idle(idle)
        self.state_changed.emit(state)

    def confirm_stop_for_exit(self) -> bool:
        """Return whether the user agrees to stop and save the recording so the app can close."""
        return confirm(self, "Stop recording?", "A recording is in progress. Stop it and save what was recorded before closing?")


def _ending_text(ending: tuple[str, str] | None) -> str:
    """Return what the status says while a recording that ended by itself is saved: why, when known (a full disk is
    not "The recording ended")."""
    if ending is None:
        return "Saving…"
    reason, details = ending
    return "The recording ended; saving…" if reason == "EndOfStream" else f"The recording stopped: {details}"
