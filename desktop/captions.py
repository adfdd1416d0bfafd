"""Live captions: final utterances stay; below them the interim hypothesis shows its committed words
plain (they will not change) and the words that may still change grey and italic.

Finals are appended once and never redrawn; only the provisional tail after them is
replaced on each interim update, so a long session costs the same per update as a short
one. The view follows the newest text unless the user has scrolled up to read; scrolling
back to the bottom resumes following. Following holds whatever moves the bottom: new text, a
narrower window, larger text (View ▸ Larger text), the status bar taking room when a recording
ends. Times are drawn smaller than the text they head, relative to it, so they scale with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import QTextEdit, QWidget

from desktop.speaker_colors import format_time, speaker_color

FOLLOW_SLACK_PX = 8
_NOBODY = object()  # the speaker before the first caption
# one speaker's finals run on in one paragraph, unless this long a silence comes between them, or the
# paragraph has gone on this long: then a new one starts under a heading with its time, so a monologue
# is not a wall of text with one time at its top
PARAGRAPH_GAP_MS = 3_000
PARAGRAPH_MAX_MS = 60_000
TENTATIVE = "#6b7280"  # words that may still change: grey and italic (4.8:1 on white, readable as the rest)
LISTENING = "Listening… captions appear here as people speak."
IDLE = "Captions appear here while you record."


Run = tuple  # (speaker number or None, offset_ms, text): words of one speaker in a row


@dataclass(frozen=True)
class Caption:
    """One utterance as shown: its id, start, text, and the speaker runs it is drawn as."""

    result_id: str
    speaker: int | None
    offset_ms: int
    text: str
    final: bool
    runs: tuple[Run, ...] = ()
    stable: int = 0  # leading words of an interim that are committed (all of a final's are)
    end_ms: int = 0  # where its last word ends (its offset when unknown)

    @property
    def speakers(self) -> set[int | None]:
        """Return the speakers heard in this utterance."""
        return {run[0] for run in self.runs} or {self.speaker}


def speaker_runs(speaker: int | None, offset_ms: int, text: str, words: Sequence = ()) -> tuple[Run, ...]:
    """Return an utterance as runs of one speaker each: by its words' speakers when they differ, else whole."""
    labelled = [w for w in words if getattr(w, "speaker", None) is not None and w.text.strip()]
    if len({w.speaker for w in labelled}) < 2 or len(labelled) != len([w for w in words if w.text.strip()]):
        return ((speaker, offset_ms, text.strip()),)
    runs: list[list] = []
    for word in labelled:
        if runs and runs[-1][0] == word.speaker:
            runs[-1][2].append(word.text.strip())
        else:
            runs.append([word.speaker, word.offset_ms, [word.text.strip()]])
    return tuple((n, at, " ".join(parts)) for n, at, parts in runs)


class CaptionsView(QTextEdit):
    """The live transcript of a recording in progress."""

    def __init__(self, parent: QWidget | None = None, speaker_label=None):
        super().__init__(parent)
        self.setObjectName("captions")
        self.setReadOnly(True)
        self.setAccessibleName("Live captions")
        self.setPlaceholderText(IDLE)
        self._speaker_label = speaker_label or (lambda n: f"Guest-{n}" if n else "Speaker")
        self._finals: list[Caption] = []
        self._interim: Caption | None = None
        self._final_end = 0  # document position right after the last final caption
        self._paragraph = _NOBODY  # (speaker, start ms, end ms) of the paragraph the last final is in
        self._pauses: list[int] = []  # recording times where it was paused: a paragraph never runs across one
        self._follow = True  # the user has not scrolled up: the newest text stays in view
        self.document().setDocumentMargin(12)
        # nobody can undo in a read-only pane: every interim redraw went onto Qt's undo stack (7,700 steps after 20
        # minutes, the replaced interim text with them) until the next recording
        self.document().setUndoRedoEnabled(False)
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        bar.rangeChanged.connect(lambda *_: self._scroll(self._follow))

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

    def _scrolled(self) -> None:
        self._follow = self.following()  # a scroll up stops following, one back to the bottom resumes it

    def clear_captions(self) -> None:
        """Remove every caption (a new recording starts); returns nothing."""
        self._follow = True
        self.clear()
        self._finals.clear()
        self._interim = None
        self._final_end = 0
        self._paragraph = _NOBODY
        self._pauses.clear()

    def break_paragraph(self, at_ms: int) -> None:
        """Start what is said from `at_ms` of the recording on (where it was paused) under a heading of its own; returns nothing.

        The final of the words before the pause may come after this: it still goes on in its paragraph.
        """
        self._pauses.append(at_ms)

    # updates

    def show_interim(self, result_id: str, speaker: int | None, offset_ms: int, text: str, words: Sequence = (),
                     stable_words: int = 0) -> None:
        """Show (or replace) the provisional text of the utterance being spoken, its first `stable_words` as committed; returns nothing."""
        runs = speaker_runs(speaker, offset_ms, text, words)
        self._interim = Caption(result_id, speaker, offset_ms, text, False, runs, max(0, stable_words))
        self._redraw_tail()

    def drop_interim(self, result_id: str) -> None:
        """Remove the provisional text of an utterance that ended with no words (a no-match final); returns nothing."""
        if self._interim is not None and self._interim.result_id == result_id:
            self._interim = None
            self._redraw_tail()

    def add_final(self, result_id: str, speaker: int | None, offset_ms: int, text: str, words: Sequence = ()) -> None:
        """Show the final text of an utterance in place of its interim text (an empty one only removes it); returns nothing."""
        if not text.strip():  # no words after all: no caption, no heading
            self.drop_interim(result_id)
            return
        end_ms = max([offset_ms] + [w.end_ms for w in words])
        caption = Caption(result_id, speaker, offset_ms, text, True, speaker_runs(speaker, offset_ms, text, words), end_ms=end_ms)
        if self._interim is not None and self._interim.result_id == result_id:
            self._interim = None
        cursor = self._tail_cursor()
        cursor.removeSelectedText()
        self._paragraph = self._write(cursor, caption, self._paragraph)
        self._final_end = cursor.position()
        self._finals.append(caption)
        self._write_interim(cursor)
        self._scroll(self._follow)

    def _tail_cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._final_end)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        return cursor

    def _redraw_tail(self) -> None:
        cursor = self._tail_cursor()
        cursor.beginEditBlock()
        cursor.removeSelectedText()
        self._write_interim(cursor)
        cursor.endEditBlock()
        self._scroll(self._follow)

    def _write_interim(self, cursor: QTextCursor) -> None:
        if self._interim is not None and self._interim.text.strip():
            self._write(cursor, self._interim, self._paragraph)

    def _goes_on(self, paragraph, speaker, offset_ms: int) -> bool:
        """Return whether words of `speaker` at `offset_ms` continue the paragraph (speaker, start, end) or start one."""
        if paragraph is _NOBODY:
            return False
        who, start_ms, end_ms = paragraph
        if any(start_ms < at <= offset_ms for at in self._pauses):
            return False
        return who == speaker and offset_ms - end_ms < PARAGRAPH_GAP_MS and offset_ms - start_ms < PARAGRAPH_MAX_MS

    def _write(self, cursor: QTextCursor, caption: Caption, paragraph):
        """Return the paragraph (speaker, start ms, end ms) the caption ends in, after drawing it at the cursor."""
        settled = QTextCharFormat()
        settled.setForeground(self.palette().text())
        tentative = QTextCharFormat()
        tentative.setForeground(QColor(TENTATIVE))
        tentative.setFontItalic(True)
        stable = None if caption.final else caption.stable  # words still to draw as committed (None: all)
        for index, (speaker, offset_ms, words) in enumerate(caption.runs):
            new_turn = not self._goes_on(paragraph, speaker, offset_ms)
            block = QTextBlockFormat()
            block.setTopMargin(10 if new_turn and paragraph is not _NOBODY else 2)
            if new_turn:
                if not self.document().isEmpty() or cursor.position() > 0:
                    cursor.insertBlock(block)
                else:
                    cursor.setBlockFormat(block)
            else:  # the same voice goes on: same paragraph
                cursor.insertText(" ", settled if stable is None or stable > 0 else tentative)
            if new_turn:
                label = QTextCharFormat()
                label.setFontWeight(QFont.Weight.Bold)
                label.setForeground(speaker_color(speaker))
                cursor.insertText(self._speaker_label(speaker), label)
                stamp = QTextCharFormat()
                stamp.setForeground(QColor("#6b7280"))
                stamp.setProperty(QTextFormat.Property.FontSizeAdjustment, -1)  # 0.8 of the text's size, whatever it becomes
                cursor.insertText(f"  {format_time(offset_ms)}", stamp)
                cursor.insertBlock(QTextBlockFormat())
            if stable is None:
                cursor.insertText(words, settled)
            else:
                tokens = words.split(" ")
                head, tail = " ".join(tokens[:stable]), " ".join(tokens[stable:])
                cursor.insertText(head, settled)
                if tail:
                    cursor.insertText((" " if head else "") + tail, tentative)
                stable = max(0, stable - len(tokens))
            paragraph = (speaker, offset_ms if new_turn else paragraph[1], max(offset_ms, caption.end_ms))
        return paragraph

    def _scroll(self, follow: bool) -> None:
        if follow:
            bar = self.verticalScrollBar()
            bar.setValue(bar.maximum())

