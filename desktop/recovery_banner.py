"""A banner offering to recover recordings a crash left unfinished (or to discard them)."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from desktop.services import Services
from desktop.speaker_colors import format_time
from desktop.confirm import confirm


class RecoveryBanner(QFrame):
    """Shown while unfinished recordings exist; recovers them into the library one at a time."""

    recovered = Signal(str)  # conversationId
    found = Signal(int)  # how many unfinished recordings there are (only when some are)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("recoveryBanner")
        self.setStyleSheet("#recoveryBanner { background: #fff7ed; border: 1px solid #fdba74; border-radius: 8px; }")
        self.services = services
        self.unfinished: list = []
        self._asked = 0  # the latest check; an older one's answer that comes later is dropped
        self.text = QLabel("", objectName="recoveryText")
        self.text.setWordWrap(True)
        self.recover_button = QPushButton("Recover", objectName="recoverButton", clicked=self.recover_first)
        self.discard_button = QPushButton("Discard…", objectName="discardButton", clicked=self.discard_first)
        row = QHBoxLayout(self)
        row.addWidget(self.text, 1)
        row.addWidget(self.recover_button)
        row.addWidget(self.discard_button)
        self.hide()

    def check(self) -> None:
        """Look for unfinished recordings off the GUI thread and show the banner when there are any."""

        def find():
            from core.live import find_unfinished_recordings

            return find_unfinished_recordings()

        self._asked += 1
        asked = self._asked
        self.services.ops.background(find, parent=self).success(lambda found: asked == self._asked and self._show(found)).run()

    def _show(self, unfinished) -> None:
        fresh = len(unfinished) > len(self.unfinished)
        self.unfinished = list(unfinished)
        if not self.unfinished:
            self.hide()
            return
        if fresh:
            self.found.emit(len(self.unfinished))
        first = self.unfinished[0]
        more = f" (and {len(self.unfinished) - 1} more)" if len(self.unfinished) > 1 else ""
        when = first.started.astimezone().strftime("%Y-%m-%d %H:%M")
        self.text.setText(
            f"<b>{'A recording could not be saved to the library' if first.unsaved else 'A recording was interrupted'}"
            f"</b>{more}: “{html.escape(first.title)}”, {when}, "
            + (f"its audio file is gone; {first.results} captioned phrase(s) survived." if first.audio_lost else
               f"{format_time(first.duration_ms)} of audio and {first.results} captioned phrase(s) survived.")
        )
        self.show()

    def recover_first(self) -> None:
        """Store the first unfinished recording in the library (its better pass queued); returns nothing."""
        if not self.unfinished:
            return
        recording = self.unfinished[0]

        def recover(lib):
            from core.live import recover

            return recover(recording, lib, queue=True)

        def done(conversation_id) -> None:
            self.recovered.emit(conversation_id)
            self.check()

        self.services.ops.library_op(recover, parent=self).success(done).changes().run()

    def discard_first(self) -> None:
        """Delete the first unfinished recording after asking; returns nothing."""
        if not self.unfinished:
            return
        recording = self.unfinished[0]
        what = f"its {recording.results} captioned phrase(s)" if recording.audio_lost else format_time(recording.duration_ms)
        question = f"Delete the interrupted recording “{recording.title}” ({what})? This cannot be undone."
        if not confirm(self, "Discard recording", question):
            return

        def discard():
            from core.live import discard_unfinished

            discard_unfinished(recording)

        self.services.ops.background(discard, parent=self).success(lambda _: self.check()).run()
