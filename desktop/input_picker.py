"""The Record view's input box: the microphones (listed off the GUI thread), or a recording played as the input."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Signal
from PySide6.QtWidgets import QComboBox, QFileDialog, QWidget

from desktop.live_session import InputChoice
from desktop.services import Services

log = logging.getLogger(__name__)

FILE_INPUT = "file"
SYSTEM_DEFAULT = -1  # the item that records from whatever the system's default input is (then, and after a loss)
RECORDINGS = "Recordings (*.wav *.mp3 *.m4a *.ogg *.opus *.flac *.mp4 *.mkv *.webm);;All files (*)"


class InputPicker(QComboBox):
    """Offers the system's default input, every input device (the one last used first chosen), and "Play a recording as input…"."""

    input_changed = Signal()  # what the next recording would use changed (see has_input)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent, objectName="inputDevice")
        self.services = services
        self._file: Path | None = None
        self._speed: float | None = 1.0
        self._device_names: dict[int, str] = {}
        self._asked = 0  # listings asked for; only the newest one's answer is shown
        self.refreshing = False  # a listing is under way
        self.listing_failed = False  # the last listing could not ask the sound system
        self.setMinimumWidth(240)
        self.setAccessibleName("Input device")
        self.activated.connect(self._chosen)
        self.currentIndexChanged.connect(lambda _: self.input_changed.emit())

    def refresh(self, *, rescan: bool = False) -> None:
        """List the input devices again (off the GUI thread), with `rescan` asking the sound system
        for devices plugged in since it started; returns nothing."""

        def devices():
            from core.audio.capture import list_input_devices

            return list_input_devices(rescan=rescan)

        self._asked += 1
        asked, self.refreshing = self._asked, True
        self.input_changed.emit()
        # one listing after another, on the thread of quick ordered work: not behind a model loading on the work pool
        self.services.ops.in_order(devices, parent=self).success(lambda found: self._answered(asked, found, None)).failure(
            lambda e: self._answered(asked, [], e)).run()

    def _answered(self, asked: int, devices, error) -> None:
        if asked != self._asked:  # an older listing that ended after a newer one was asked for
            return
        self.refreshing = False
        with QSignalBlocker(self):  # refilled in one go: the view hears of it once, below
            self._fill(devices, error)
        self.input_changed.emit()

    def set_file(self, path: Path, speed: float | None = 1.0) -> None:
        """Use a recording played at `speed` as the input instead of a microphone; returns nothing."""
        self._file, self._speed = Path(path), speed
        self._show_file()

    def device_names(self) -> list[str]:
        """Return the names of the microphones listed."""
        return list(self._device_names.values())

    def has_input(self) -> bool:
        """Return whether there is something to record from: a microphone, or a recording chosen as the input."""
        return self._file is not None or isinstance(self.currentData(), int)

    def choice(self) -> InputChoice:
        """Return the input the next recording will use."""
        if self._file is not None:
            return InputChoice(file=self._file, speed=self._speed)
        # by name: PortAudio numbers the devices anew at each rescan, so an index may name another one by then;
        # None for the system default, which a recording follows when the device it began with is unplugged
        return InputChoice(device=self._device_names.get(self.currentData()))

    def device_name(self, choice: InputChoice) -> str | None:
        """Return the name of the microphone a choice records from (None for a recording or the default)."""
        return choice.device if isinstance(choice.device, str) else None

    def _fill(self, devices, error) -> None:
        picked = self.currentData()
        shown = self._device_names.get(picked)  # the one picked stays picked, whatever its new number
        self.listing_failed = error is not None
        self.clear()
        self._device_names = {device.index: device.name for device in devices}
        if devices:
            default = next((device for device in devices if device.is_default), devices[0])
            self.addItem(f"System default ({default.name})", SYSTEM_DEFAULT)
        for device in devices:
            self.addItem(device.name, device.index)
        # the one picked (if still there), else the one last recorded with, else the system's default
        names = {device.name: device.index for device in reversed(devices)}
        wanted = [] if picked == SYSTEM_DEFAULT else [shown, self.services.settings.input_device]
        current = next((names[name] for name in wanted if name in names), SYSTEM_DEFAULT if devices else None)
        if not devices:
            self.addItem("No microphone found" if error is None else "Microphones unavailable", None)
            if error is not None:
                log.warning("cannot list input devices: %s", error)
        self.insertSeparator(self.count())
        self.addItem("Play a recording as input…", FILE_INPUT)
        if self._file is not None:
            self._show_file()
        else:
            self.setCurrentIndex(max(0, self.findData(current)) if current is not None else 0)

    def _chosen(self, index: int) -> None:
        if self.itemData(index) != FILE_INPUT:
            self._file = None
            self.input_changed.emit()
            return
        path, _ = QFileDialog.getOpenFileName(self, "Play a recording as input", "", RECORDINGS)
        if path:
            self.set_file(Path(path))
        elif self._file is not None:  # cancelled: the recording chosen before is still the input
            self._show_file()
        else:
            self.setCurrentIndex(0)

    def _show_file(self) -> None:
        index = self.findData(FILE_INPUT)
        self.setItemText(index, f"Recording: {self._file.name}")
        self.setCurrentIndex(index)
        self.input_changed.emit()
