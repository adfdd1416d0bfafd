"""The speakers of a conversation: their colours and names; rename one, merge two."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from core.results import Conversation
from desktop.speaker_colors import speaker_color

NUMBER_ROLE = Qt.ItemDataRole.UserRole


def swatch(color: QColor, size: int = 12) -> QIcon:
    """Return a small square icon of one colour."""
    pixmap = QPixmap(size, size)
    pixmap.fill(color)
    return QIcon(pixmap)


class SpeakersPanel(QWidget):
    """Lists the speakers with how much each said; asks the conversation view to rename or merge."""

    rename_requested = Signal(int)  # speaker number
    merge_requested = Signal(int)  # speaker number to merge into another

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("speakersPanel")
        self.list = QListWidget(objectName="speakerList")
        self.list.itemDoubleClicked.connect(lambda item: self.rename_requested.emit(item.data(NUMBER_ROLE)))
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.rename_button = QPushButton("Rename…", objectName="renameSpeakerButton")
        self.rename_button.clicked.connect(lambda: self._emit(self.rename_requested))
        self.merge_button = QPushButton("Merge into…", objectName="mergeSpeakerButton")
        self.merge_button.clicked.connect(lambda: self._emit(self.merge_requested))
        buttons = QHBoxLayout()
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.merge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("<b>Speakers</b>"))
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def show_conversation(self, conversation: Conversation | None) -> None:
        """List the speakers of a conversation; returns nothing."""
        current = self.current_number()
        self.list.clear()
        if conversation is None:
            return
        talk: dict[int, int] = {}
        for u in conversation.utterances:
            if u.speaker is not None:
                talk[u.speaker] = talk.get(u.speaker, 0) + u.duration_ms
        total = max(1, sum(talk.values()))
        for number in sorted(talk):
            item = QListWidgetItem(swatch(speaker_color(number)), f"{conversation.speaker_label(number)}  ·  {round(100 * talk[number] / total)}%")
            item.setData(NUMBER_ROLE, number)
            item.setToolTip(f"Guest-{number}: double-click to rename")
            self.list.addItem(item)
            if number == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._update_buttons()

    def numbers(self) -> list[int]:
        """Return the listed speaker numbers."""
        return [self.list.item(i).data(NUMBER_ROLE) for i in range(self.list.count())]

    def current_number(self) -> int | None:
        """Return the selected speaker's number, or None."""
        item = self.list.currentItem()
        return item.data(NUMBER_ROLE) if item is not None else None

    def select(self, number: int) -> None:
        """Select a speaker by number; returns nothing."""
        for i in range(self.list.count()):
            if self.list.item(i).data(NUMBER_ROLE) == number:
                self.list.setCurrentRow(i)

    def _emit(self, signal) -> None:
        number = self.current_number()
        if number is not None:
            signal.emit(number)

    def _update_buttons(self) -> None:
        self.rename_button.setEnabled(self.current_number() is not None)
        self.merge_button.setEnabled(self.current_number() is not None and self.list.count() > 1)
