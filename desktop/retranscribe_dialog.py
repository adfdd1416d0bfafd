"""Transcribe again: choose the model and the speaker options, then queue a background job."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from desktop.services import Services
from desktop.settings_dialog import LANGUAGES, MODELS, _combo, _speakers, _value


class RetranscribeDialog(QDialog):
    """Queues a new (better) transcription of one conversation as an Async job."""

    def __init__(self, services: Services, conversation_id: str, title: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("retranscribeDialog")
        self.setWindowTitle("Transcribe again")
        self.services = services
        self.conversation_id = conversation_id
        self.job = None
        defaults = services.job_options()
        self.model = _combo("retranscribeModel", MODELS, defaults.model, editable=True)
        self.language = _combo("retranscribeLanguage", LANGUAGES, defaults.language or "", editable=True)
        self.diarize = QCheckBox("Find who spoke when", objectName="retranscribeDiarize")
        self.diarize.setChecked(defaults.diarize)
        self.num_speakers = _speakers("retranscribeSpeakers", defaults.num_speakers)
        self.min_speakers = _speakers("retranscribeMinSpeakers", defaults.min_speakers)
        self.max_speakers = _speakers("retranscribeMaxSpeakers", defaults.max_speakers)
        for spin in (self.num_speakers, self.min_speakers, self.max_speakers):
            self.diarize.toggled.connect(spin.setEnabled)
            spin.setEnabled(defaults.diarize)
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Language", self.language)
        form.addRow(self.diarize)
        form.addRow("Exactly this many speakers", self.num_speakers)
        form.addRow("At least", self.min_speakers)
        form.addRow("At most", self.max_speakers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.queue_button = buttons.addButton("Queue", QDialogButtonBox.ButtonRole.AcceptRole)
        self.queue_button.setObjectName("queueRetranscription")
        buttons.accepted.connect(self.queue)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        note = QLabel(f"A new transcript of “{title}” is made in the background; the current one stays until it is ready." if title
                      else "A new transcript is made in the background; the current one stays until it is ready.")
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def options(self):
        """Return the JobOptions as chosen (raises JobError for impossible values)."""
        from dataclasses import replace

        diarize = self.diarize.isChecked()
        return replace(
            self.services.job_options(),
            model=_value(self.model) or "base",
            language=_value(self.language) or None,
            diarize=diarize,
            num_speakers=(self.num_speakers.value() or None) if diarize else None,
            min_speakers=(self.min_speakers.value() or None) if diarize else None,
            max_speakers=(self.max_speakers.value() or None) if diarize else None,
        )

    def queue(self) -> None:
        """Queue the job off the GUI thread, then close; returns nothing."""
        from desktop.errors import show_error

        try:
            options = self.options()
        except Exception as exc:  # JobError for impossible speaker counts
            show_error(self, exc)
            return
        conversation_id = self.conversation_id

        def run(lib):
            from core.jobs.model import ASYNC
            from core.jobs.queue import TranscriptionQueue

            return TranscriptionQueue(lib).enqueue(conversation_id, options, mode=ASYNC)

        def done(job) -> None:
            self.job = job
            self.accept()

        self.queue_button.setEnabled(False)
        op = self.services.ops.library_op(run, parent=self).success(done).changes()
        op.failure(lambda error: (self.queue_button.setEnabled(True), show_error(self, error))).run()
