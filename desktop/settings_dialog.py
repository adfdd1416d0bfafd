"""Settings: models, language, device, speakers, phrase timing, text defaults, data location, the token.

Settings go to core's settings file; the Hugging Face token goes only to the OS keyring
(core.secrets) and is never written to the settings file or the library.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.jobs.model import PROFANITY_MODES, PUNCTUATION_MODES
from core.settings import Settings
from desktop.services import Services

MODELS = ("tiny.en", "base")
LANGUAGES = (("", "Detect automatically"), ("en", "English"), ("fr", "French"), ("de", "German"), ("es", "Spanish"),
             ("it", "Italian"), ("pt", "Portuguese"), ("nl", "Dutch"), ("sv", "Swedish"), ("ru", "Russian"))
LIVE_MODES = (("RealTimeAndAsync", "Captions + better transcript afterwards"), ("RealTime", "Captions only"))


def _combo(name: str, items, current, editable: bool = False) -> QComboBox:
    box = QComboBox(objectName=name)
    box.setEditable(editable)
    for item in items:
        value, label = item if isinstance(item, tuple) else (item, item)
        box.addItem(label, value)
    index = box.findData(current)
    if index >= 0:
        box.setCurrentIndex(index)
    elif editable and current:
        box.setEditText(str(current))
    return box


def _value(box: QComboBox) -> str:
    if box.isEditable() and box.currentText() != box.itemText(box.currentIndex()):
        return box.currentText().strip()
    return box.currentData()


def _speakers(name: str, value: int | None) -> QSpinBox:
    spin = QSpinBox(objectName=name)
    spin.setRange(0, 32)
    spin.setSpecialValueText("auto")
    spin.setValue(value or 0)
    return spin


class SettingsDialog(QDialog):
    """Edits the settings and the Hugging Face token; saves them off the GUI thread."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.services = services
        s = services.settings
        self.model = _combo("liveModel", MODELS, s.model, editable=True)
        self.retranscribe_model = _combo("betterModel", MODELS, s.retranscribe_model, editable=True)
        self.language = _combo("language", LANGUAGES, s.language or "", editable=True)
        self.device = _combo("device", (("auto", "Automatic (GPU when present)"), ("cpu", "CPU"), ("cuda", "NVIDIA GPU (CUDA)")), s.device)
        self.live_mode = _combo("liveMode", LIVE_MODES, s.live_mode)
        self.silence = QSpinBox(objectName="endOfPhraseSilence")
        self.silence.setRange(100, 10_000)
        self.silence.setSingleStep(100)
        self.silence.setSuffix(" ms")
        self.silence.setValue(s.end_of_phrase_silence_ms)
        self.diarize = QCheckBox("Find who spoke when", objectName="diarize")
        self.diarize.setChecked(s.diarize)
        self.num_speakers = _speakers("numSpeakers", s.num_speakers)
        self.min_speakers = _speakers("minSpeakers", s.min_speakers)
        self.max_speakers = _speakers("maxSpeakers", s.max_speakers)
        self.profanity = _combo("profanity", PROFANITY_MODES, s.profanity)
        self.punctuation = _combo("punctuation", PUNCTUATION_MODES, s.punctuation)
        self.profanity.setToolTip("How swear words are shown in transcripts, live captions and search results, and exported. "
                                  "The library keeps the words as heard.")
        self.punctuation.setToolTip("How exports are punctuated (the export dialog starts with it): Automatic as recognized, "
                                    "Dictated turns a spoken “comma” or “period” into the mark (English), None drops every mark. "
                                    "Transcripts on screen show the marks as recognized.")
        self.data_location = QLineEdit(objectName="dataLocation")
        self.data_location.setText(str(services.library_path.parent))
        self._original_location = self.data_location.text()
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_location)
        self.token = QLineEdit(objectName="huggingfaceToken")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("checking the keyring…")
        self.token_state = QLabel("", objectName="tokenState")
        self.token_state.setWordWrap(True)  # a keyring's error can be long
        self.forget_token = QPushButton("Forget token", objectName="forgetToken")
        self.forget_token.clicked.connect(self._forget)
        self._forget_token = False
        self._had_token = False

        models = QGroupBox("Transcription")
        form = QFormLayout(models)
        form.addRow("Live captions model", self.model)
        form.addRow("Better transcript model", self.retranscribe_model)
        form.addRow("Language", self.language)
        form.addRow("Compute on", self.device)
        form.addRow("Recording mode", self.live_mode)
        form.addRow("End of phrase after a pause of", self.silence)
        speakers = QGroupBox("Speakers")
        form = QFormLayout(speakers)
        form.addRow(self.diarize)
        form.addRow("Exactly", self.num_speakers)
        form.addRow("At least", self.min_speakers)
        form.addRow("At most", self.max_speakers)
        text = QGroupBox("Text")
        form = QFormLayout(text)
        form.addRow("Profanity", self.profanity)
        form.addRow("Punctuation", self.punctuation)
        storage = QGroupBox("Data and accounts")
        form = QFormLayout(storage)
        row = QHBoxLayout()
        row.addWidget(self.data_location, 1)
        row.addWidget(browse)
        form.addRow("Data folder (after restart)", row)
        row = QHBoxLayout()
        row.addWidget(self.token, 1)
        row.addWidget(self.forget_token)
        form.addRow("Hugging Face token", row)
        form.addRow("", self.token_state)
        self.error = QLabel("", objectName="settingsError")
        self.error.setStyleSheet("color: #b91c1c")
        self.error.setWordWrap(True)  # a long reason must not widen the dialog
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        layout = QVBoxLayout(self)
        columns = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(models)
        right.addWidget(speakers)
        right.addWidget(text)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        layout.addLayout(columns)
        layout.addWidget(storage)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self._load_token()

    def _load_token(self) -> None:
        from core.secrets import HUGGINGFACE, get_secret

        def shown(token) -> None:
            self._had_token = bool(token)
            self.token.setPlaceholderText("stored in the OS keyring" if token else "hf_… (stored only in the OS keyring)")
            self.token_state.setText("A token is stored in the keyring." if token else "No token stored.")
            self.forget_token.setEnabled(bool(token))

        def failed(error) -> None:
            from desktop.errors import error_message

            self.token.setPlaceholderText("no keyring available")
            self.token_state.setText(error_message(error)[1])
            self.forget_token.setEnabled(False)

        self.services.ops.background(lambda: get_secret(HUGGINGFACE), parent=self).success(shown).failure(failed).run()

    def _forget(self) -> None:
        self._forget_token = True
        self.token.clear()
        self.token_state.setText("The token will be removed when you save.")

    def _choose_location(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", self.data_location.text())
        if folder:
            self.data_location.setText(folder)

    def chosen(self) -> Settings:
        """Return the settings as entered (raises SettingsError for a bad value)."""
        s = self.services.settings
        return replace(
            s,
            model=_value(self.model) or "tiny.en",
            retranscribe_model=_value(self.retranscribe_model) or "base",
            language=_value(self.language) or None,
            device=self.device.currentData(),
            live_mode=self.live_mode.currentData(),
            end_of_phrase_silence_ms=self.silence.value(),
            diarize=self.diarize.isChecked(),
            num_speakers=self.num_speakers.value() or None,
            min_speakers=self.min_speakers.value() or None,
            max_speakers=self.max_speakers.value() or None,
            profanity=self.profanity.currentData(),
            punctuation=self.punctuation.currentData(),
        ).validated()

    def save(self) -> None:
        """Save settings, token and data location off the GUI thread, then close; returns nothing."""
        from core import paths
        from core.secrets import HUGGINGFACE, set_secret
        from core.settings import save_settings

        try:
            settings = self.chosen()
        except Exception as exc:  # a SettingsError: show it beside the buttons
            from desktop.errors import error_message

            self.error.setText(" — ".join(filter(None, error_message(exc)[1:])))
            return
        token = self.token.text().strip()
        forget = self._forget_token and not token
        location = self.data_location.text().strip()
        move = location and os.path.normpath(location) != os.path.normpath(self._original_location)

        def run() -> Settings:
            save_settings(settings)
            if token or forget:
                set_secret(HUGGINGFACE, token or None)
            if move:
                paths.choose_data_location(Path(location))
            return settings

        def done(saved: Settings) -> None:
            self.services.use_settings(saved)
            self.accept()

        def failed(error) -> None:
            from desktop.errors import error_message

            self.save_button.setEnabled(True)
            self.error.setText(" — ".join(filter(None, error_message(error)[1:])))

        self.save_button.setEnabled(False)
        self.services.ops.in_order(run, parent=self).success(done).failure(failed).run()
