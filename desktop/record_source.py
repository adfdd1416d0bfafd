"""The Record page's first row: which input to record from (↻ looks for microphones again) and in which mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from desktop.input_picker import InputPicker
from desktop.live_session import InputChoice
from desktop.services import Services

MODES = (("RealTimeAndAsync", "Captions + better transcript afterwards"), ("RealTime", "Captions only"))
# (a placeholder is one line, cut at the edge: short enough for a narrow window)
NO_INPUT = "No microphone found: plug one in and press ↻, or play a recording as input."
NO_SOUND_SYSTEM = "The microphones could not be listed: press ↻ to try again, or play a recording as input."


class RecordSource(QWidget):
    """Input ▾ ↻  Mode ▾: the input and mode the next recording uses; neither changes while one is under way."""

    changed = Signal()  # the inputs were listed again, or another one was chosen
    said = Signal(str)  # what ↻ is doing and what it found, for the page's status line

    def __init__(self, services: Services, recording: Callable[[], bool], parent: QWidget | None = None):
        super().__init__(parent)
        self.services = services
        self.recording = recording  # whether a recording is under way: looking for microphones restarts the sound system
        self.input_box = InputPicker(services)
        self.input_box.input_changed.connect(self.changed)
        self.rescan_button = QToolButton(objectName="rescanInputs", text="↻")
        self.rescan_button.setToolTip("Look for microphones again (one plugged in since Parley started)")
        self.rescan_button.setAccessibleName("Look for microphones again")
        self.rescan_button.clicked.connect(self._look_again)
        self._looking = False  # ↻ was pressed: say what it found
        self.mode_box = QComboBox(objectName="recordMode")
        self.mode_box.setAccessibleName("Recording mode")
        self.input_box.setAccessibleName("Input")
        for mode, label in MODES:
            self.mode_box.addItem(label, mode)
        # their longest labels (a device's name) must not set the window's narrowest width (it was 926 px); a narrow
        # window shows the start of a label, its tooltip and the list show it whole
        for box in (self.input_box, self.mode_box):
            box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(10)  # "Captions +…" and "Captions o…" told apart; half a 1366 px screen fits the window
            box.currentTextChanged.connect(box.setToolTip)
            box.setToolTip(box.currentText())
        self.show_mode(services.settings.live_mode)
        self.mode_box.activated.connect(lambda index: services.change_settings(live_mode=self.mode_box.itemData(index)))

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        input_label, mode_label = QLabel("&Input"), QLabel("Mo&de")
        input_label.setBuddy(self.input_box)  # read with its box, and Alt+I / Alt+D go to it
        mode_label.setBuddy(self.mode_box)
        row.addWidget(input_label)
        row.addWidget(self.input_box, 2)
        row.addWidget(self.rescan_button)
        row.addWidget(mode_label)
        row.addWidget(self.mode_box, 2)

    def mode(self) -> str:
        """Return the chosen mode (RealTimeAndAsync or RealTime)."""
        return self.mode_box.currentData()

    def show_mode(self, mode: str) -> None:
        """Show a mode as chosen; returns nothing."""
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(mode)))

    def set_idle(self, idle: bool) -> None:
        """Let the input and mode be changed only while nothing is recorded; returns nothing."""
        self.input_box.setEnabled(idle)
        self.rescan_button.setEnabled(idle and not self.input_box.refreshing)  # one look at a time
        self.mode_box.setEnabled(idle)

    def refresh_devices(self, *, rescan: bool = False) -> None:
        """List the input devices again (off the GUI thread; `rescan` also finds ones plugged in since); returns nothing."""
        if not (rescan and self.recording()):  # looking again restarts the sound system: never while it records
            self.input_box.refresh(rescan=rescan)

    def _look_again(self) -> None:
        if self.recording():
            return
        self._looking = True
        self.said.emit("Looking for microphones…")
        self.refresh_devices(rescan=True)

    def say_what_was_found(self) -> None:
        """Say how many microphones ↻ found, once it has looked; returns nothing."""
        box = self.input_box
        if not self._looking or box.refreshing:
            return
        self._looking = False
        found = len(box.device_names())
        missing = NO_SOUND_SYSTEM if box.listing_failed else NO_INPUT
        self.said.emit(f"Found {found} microphone{'s' if found != 1 else ''}." if found else missing)

    def idle_text(self, otherwise: str) -> str:
        """Return what the captions area says while nothing is recorded: why nothing can be, else `otherwise`."""
        box = self.input_box
        if box.count() == 0 or box.has_input():  # before the first listing nothing is known yet
            return otherwise
        return NO_SOUND_SYSTEM if box.listing_failed else NO_INPUT

    def set_file_input(self, path: Path, speed: float | None = 1.0) -> None:
        """Use a recording played at `speed` as the input instead of a microphone; returns nothing."""
        self.input_box.set_file(path, speed)

    def input_choice(self) -> InputChoice:
        """Return the input the next recording will use."""
        return self.input_box.choice()
