"""The find bar over a conversation's transcript: a phrase, how many times it is said, and the next or previous one."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget


TYPING_PAUSE_MS = 150


class FindBar(QWidget):
    """Asks for a phrase to find in the shown transcript; hidden until Ctrl+F, Esc hides it again."""

    query_changed = Signal(str)
    step_requested = Signal(int)  # 1: the next one, -1: the previous one
    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("findBar")
        self.field = QLineEdit(objectName="findField")
        self.field.setPlaceholderText("Find in this conversation…")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Find in this conversation")
        self.count = QLabel("", objectName="findCount")
        self.previous_button = QToolButton(text="▲", objectName="findPrevious", toolTip="Previous (Shift+F3)")
        self.next_button = QToolButton(text="▼", objectName="findNext", toolTip="Next (F3, Enter)")
        self.close_button = QToolButton(text="✕", objectName="findClose", toolTip="Close (Esc)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.field, self.count, self.previous_button, self.next_button, self.close_button):
            layout.addWidget(widget)
        layout.setStretch(0, 1)
        # the phrase is looked for once typing pauses, not at every letter of it
        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(lambda: self.query_changed.emit(self.field.text()))
        self.field.textChanged.connect(lambda _: self._typing.start())
        self.field.installEventFilter(self)
        self.previous_button.clicked.connect(lambda: self.step_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.step_requested.emit(1))
        self.close_button.clicked.connect(self.close_bar)
        self.hide()

    def open_bar(self) -> None:
        """Show the bar with its phrase selected, ready to type over; returns nothing."""
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def close_bar(self) -> None:
        """Hide the bar and stop marking what it found; returns nothing."""
        self.hide()
        self.closed.emit()

    def show_count(self, current: int, total: int) -> None:
        """Say which one found is current (counting from 1) and how many there are; returns nothing."""
        text = self.field.text().strip()
        self.count.setText("" if not text else "not found" if not total else f"{current} of {total}")
        for button in (self.previous_button, self.next_button):
            button.setEnabled(total > 0)

    def flush(self) -> None:
        """Look for the phrase typed now, without waiting for typing to pause; returns nothing."""
        if self._typing.isActive():
            self._typing.stop()
            self.query_changed.emit(self.field.text())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            if event.key() == Qt.Key.Key_Escape:
                self.close_bar()
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Enter: the next one; Shift+Enter: the previous one
                self.flush()
                self.step_requested.emit(-1 if event.modifiers() & Qt.KeyboardModifier.ShiftModifier else 1)
                return True
        return super().eventFilter(watched, event)
