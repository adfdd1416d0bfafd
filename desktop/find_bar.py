"""The find bar over a conversation's transcript: a phrase, how many times it is said, and the next or previous one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget


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
        self.field.textChanged.connect(self.query_changed)
        self.field.returnPressed.connect(lambda: self.step_requested.emit(1))
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

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape:
            self.close_bar()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.step_requested.emit(-1)
        else:
            super().keyPressEvent(event)
