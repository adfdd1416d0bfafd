"""The conversation page's header: its controls on a row of their own, then the title and details across the width.

Beside the controls, the title had only the room they left: a title of a few words wrapped into a column of one word a
line. The transcript version chooser takes the room there is, so the window can be made narrow.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from core.jobs.model import PAUSED_STEP
from desktop.jobs_view import JobPace
from desktop.speaker_colors import format_time

PASS_NAMES = {"realtime": "Live captions", "async": "Better transcript", "file": "Transcript"}
JOB_TEXT = {"NotStarted": "queued", "Running": "running", "Failed": "failed", "Canceled": "canceled"}
PASS_CHARS, PASS_MAX_PX = 10, 380  # the transcript version chooser's least width (characters) and greatest (pixels)


class ConversationHeader(QWidget):
    """Back, the transcript version, Transcribe again and Export; the conversation's title and details under them."""

    back_requested = Signal()
    retranscribe_clicked = Signal()
    export_clicked = Signal()
    pass_chosen = Signal(object)  # the pass id of the transcript version chosen

    def __init__(self, job_pace: JobPace, parent: QWidget | None = None):
        super().__init__(parent)
        self.job_pace = job_pace  # the Jobs page's, which reads the jobs each second
        self.back_button = QPushButton("← Library", objectName="backButton")
        self.back_button.clicked.connect(self.back_requested)
        self.title = QLabel("", objectName="conversationTitle")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = QLabel("", objectName="conversationDetails")
        for label in (self.title, self.details):  # a long title or detail line wraps rather than squeezing the controls
            label.setWordWrap(True)
        self.pass_box = QComboBox(objectName="passChooser")
        self.pass_box.setAccessibleName("Transcript version")
        # it takes the room there is, up to PASS_MAX_PX, and down to PASS_CHARS characters (the rest elided), so the window
        # can be made narrow: sized to its longest choice it alone was 378 px wide
        self.pass_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.pass_box.setMinimumContentsLength(PASS_CHARS)
        self.pass_box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.pass_box.setMaximumWidth(PASS_MAX_PX)
        self.pass_box.activated.connect(lambda index: self.pass_chosen.emit(self.pass_box.itemData(index)))
        self.retranscribe_button = QPushButton("Transcribe again…", objectName="retranscribeButton")
        self.retranscribe_button.clicked.connect(self.retranscribe_clicked)
        self.export_button = QPushButton("Export…", objectName="conversationExportButton")
        self.export_button.clicked.connect(self.export_clicked)

        controls = QHBoxLayout()
        controls.addWidget(self.back_button)
        controls.addStretch(1)
        controls.addWidget(self.pass_box, 3)
        controls.addWidget(self.retranscribe_button)
        controls.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(self.title)
        layout.addWidget(self.details)

    def show_loading(self) -> None:
        """Say the conversation is being read; returns nothing."""
        self.title.setText("Loading…")

    def show_conversation(self, data) -> None:
        """Show the title, details and transcript versions of a conversation as read (desktop.conversation_view.Loaded)."""
        self.title.setText(f"<span style='font-size:16pt;font-weight:600'>{html.escape(data.conversation.title)}</span>")
        self.show_details(data)
        self.pass_box.clear()
        for p in data.passes:
            if p.status != "succeeded":
                continue
            self.pass_box.addItem(f"{PASS_NAMES.get(p.kind, p.kind)} ({p.model}, {p.created.astimezone():%H:%M})", p.pass_id)
            if p.is_current:
                self.pass_box.setCurrentIndex(self.pass_box.count() - 1)
        self.pass_box.setEnabled(self.pass_box.count() > 1)
        self.pass_box.setToolTip(self.pass_box.currentText())  # read whole even where a narrow window cuts it
        self.retranscribe_button.setEnabled(data.audio is not None)
        self.retranscribe_button.setToolTip("" if data.audio is not None else
                                            "Its recording is missing: there is nothing to transcribe again.")

    def show_details(self, data) -> None:
        """Show when it was made, how long it is, its model, its job's progress and what else the user should know."""
        c = data.conversation
        details = [c.created.astimezone().strftime("%Y-%m-%d %H:%M"), format_time(c.duration_ms), c.model or "no transcript yet"]
        if data.job is not None and data.job.state in JOB_TEXT:
            job = data.job
            state = "paused while recording" if job.step == PAUSED_STEP else JOB_TEXT[job.state]
            step = f" {job.progress}%" + self.job_pace.text(job, ", {}") if job.state == "Running" else ""
            details.append(f"better transcript {state}{step}")
        shown = next((p for p in data.passes if p.is_current), None)
        if shown is not None and any(p.kind == "async" and p.status == "succeeded" and p.created > shown.created
                                     for p in data.passes):
            details.append("a better transcript is ready: this one, which you corrected, stays shown (Transcript version)")
        if data.audio is None:
            details.append("recording missing")
        self.details.setText("  ·  ".join(details))
