"""Live captions: final utterances stay, the interim hypothesis below them is grey and italic.

Finals are appended once and never redrawn; only the provisional tail after them is
replaced on each interim update, so a long session costs the same per update as a short
one. The view follows the newest text unless the user has scrolled up to read; scrolling
back to the bottom resumes following.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from desktop.speaker_colors import format_time, speaker_color

FOLLOW_SLACK_PX = 8


@dataclass(frozen=True)
class Caption:
    """One line of captions as shown: its utterance id, speaker, start time and text."""

    result_id: str
    speaker: int | None
    offset_ms: int
    text: str
    final: bool


class CaptionsView(QTextEdit):
    """The live transcript of a recording in progress."""

    def __init__(self, parent: QWidget | None = None, speaker_label=None):
        super().__init__(parent)
        self.setObjectName("captions")
        self.setReadOnly(True)
        self.setAccessibleName("Live captions")
        self.setPlaceholderText("Captions appear here while you record.")
        self._speaker_label = speaker_label or (lambda n: f"Guest-{n}" if n else "Speaker")
        self._finals: list[Caption] = []
        self._interim: Caption | None = None
        self._final_end = 0  # document position right after the last final caption
        self.document().setDocumentMargin(12)

    # what is shown (for the record view and tests)

    @property
    def finals(self) -> list[Caption]:
        """Return the final captions, oldest first."""
        return list(self._finals)

    @property
    def interim(self) -> Caption | None:
        """Return the provisional caption shown under the finals, or None."""
        return self._interim

    def following(self) -> bool:
        """Return whether the view is at its bottom (so new text scrolls into view)."""
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - FOLLOW_SLACK_PX

    def clear_captions(self) -> None:
        """Remove every caption (a new recording starts); returns nothing."""
        self.clear()
        self._finals.clear()
        self._interim = None
        self._final_end = 0

    # updates

    def show_interim(self, result_id: str, speaker: int | None, offset_ms: int, text: str) -> None:
        """Show (or replace) the provisional text of the utterance being spoken; returns nothing."""
        self._interim = Caption(result_id, speaker, offset_ms, text, final=False)
        self._redraw_tail()

    def add_final(self, result_id: str, speaker: int | None, offset_ms: int, text: str) -> None:
        """Show the final text of an utterance in place of its interim text; returns nothing."""
        follow = self.following()
        caption = Caption(result_id, speaker, offset_ms, text, final=True)
        if self._interim is not None and self._interim.result_id == result_id:
            self._interim = None
        cursor = self._tail_cursor()
        cursor.removeSelectedText()
        self._write(cursor, caption, self._finals[-1] if self._finals else None)
        self._final_end = cursor.position()
        self._finals.append(caption)
        self._write_interim(cursor)
        self._scroll(follow)

    def _tail_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._final_end)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _redraw_tail(self) -> None:
        follow = self.following()
        cursor = self._tail_cursor()
        cursor.beginEditBlock()
        cursor.removeSelectedText()
        self._write_interim(cursor)
        cursor.endEditBlock()
        self._scroll(follow)

    def _write_interim(self, cursor: QTextCursor) -> None:
        if self._interim is not None and self._interim.text.strip():
            self._write(cursor, self._interim, self._finals[-1] if self._finals else None)

    def _write(self, cursor: QTextCursor, caption: Caption, previous: Caption | None) -> None:
        new_turn = previous is None or previous.speaker != caption.speaker
        block = QTextBlockFormat()
        block.setTopMargin(10 if new_turn and previous is not None else 2)
        if not self.document().isEmpty() or cursor.position() > 0:
            cursor.insertBlock(block)
        else:
            cursor.setBlockFormat(block)
        if new_turn:
            label = QTextCharFormat()
            label.setFontWeight(QFont.Weight.Bold)
            label.setForeground(speaker_color(caption.speaker))
            cursor.insertText(self._speaker_label(caption.speaker), label)
            stamp = QTextCharFormat()
            stamp.setForeground(QColor("#6b7280"))
            stamp.setFontPointSize(max(6.0, self.font().pointSizeF() * 0.85))
            cursor.insertText(f"  {format_time(caption.offset_ms)}", stamp)
            cursor.insertBlock(QTextBlockFormat())
        text = QTextCharFormat()
        if caption.final:
            text.setForeground(self.palette().text())
        else:
            text.setForeground(QColor("#8a8f98"))
            text.setFontItalic(True)
        text.setProperty(QTextCharFormat.Property.UserProperty, caption.result_id)
        cursor.insertText(caption.text.strip(), text)

    def _scroll(self, follow: bool) -> None:
        if follow:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

