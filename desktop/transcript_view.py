"""A stored transcript: speaker turns with times; click a word to hear it, the spoken word lights up.

The document is built once per transcript; the character range of every utterance and word
is remembered, so following playback only moves one highlight (an extra selection) instead
of redrawing text, and a click maps back to a time with one binary search.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont, QTextBlockFormat, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QTextEdit, QWidget

from core.results import Conversation, Utterance
from core.text.profanity import DEFAULT_PROFANITY, filter_profanity, filter_word
from desktop.speaker_colors import format_time, speaker_color

_WORD_KEY = re.compile(r"[\w*]+", re.UNICODE)  # a masked word ("****") is a word to click too


MAX_MARKED = 2000  # places found that are marked at once


@dataclass(frozen=True)
class Span:
    """Where something sits in the document (characters) and in the recording (milliseconds)."""

    start: int
    end: int
    offset_ms: int
    end_ms: int
    result_id: str


def qt_offsets(text: str):
    """Return a function from an index in `text` to Qt's position in it: characters past U+FFFF count twice in Qt."""
    if all(ord(c) <= 0xFFFF for c in text):
        return lambda i: i
    offsets = [0]
    for c in text:
        offsets.append(offsets[-1] + (2 if ord(c) > 0xFFFF else 1))
    return offsets.__getitem__


def _word_spans(text: str, utterance: Utterance, base: int, profanity: str = "None", locale: str = "en-US") -> list[Span]:
    """Return the spans of the utterance's timed words inside its shown text (words not found are skipped)."""
    qt = qt_offsets(text)
    spans, cursor, lowered = [], 0, text.lower()
    for word in utterance.words:
        keys = _WORD_KEY.findall((filter_word(word.text, profanity, locale) or "").lower())
        if not keys:
            continue
        at = lowered.find(keys[0], cursor)
        if at < 0 or at - cursor > 40:  # edited text no longer holds this word nearby
            continue
        end = at + len(keys[0])
        for key in keys[1:]:
            nxt = lowered.find(key, end)
            if nxt < 0 or nxt - end > 3:
                break
            end = nxt + len(key)
        spans.append(Span(base + qt(at), base + qt(end), word.offset_ms, word.end_ms, utterance.result_id))
        cursor = end
    return spans


class TranscriptView(QTextEdit):
    """Shows a conversation's utterances grouped by speaker turns; emits where the user clicked."""

    seek_requested = Signal(int)  # ms
    context_requested = Signal(object, object)  # Utterance, global QPoint

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("transcript")
        self.setReadOnly(True)
        self.setAccessibleName("Transcript")
        self.viewport().setCursor(Qt.CursorShape.PointingHandCursor)
        self.document().setDocumentMargin(14)
        self.conversation: Conversation | None = None
        self.utterance_spans: list[Span] = []
        self.word_spans: list[Span] = []
        self._word_starts: list[int] = []
        self._word_times: list[int] = []
        self._utterance_starts: list[int] = []
        self._by_id: dict[str, Utterance] = {}
        self.current_word: Span | None = None
        self.found: list[tuple[int, int]] = []  # where the find bar's phrase is, as document positions
        self.found_index = -1  # the one found that is current
        self._find_query = ""
        self._paragraphs: list[list] = []  # [document position, text] of each speaker's run of phrases, as shown
        self._folded = None  # those texts folded for finding, made at the first find
        self._playing: list[QTextEdit.ExtraSelection] = []  # the spoken word and its phrase, lit up
        self._found_selections: list[QTextEdit.ExtraSelection] = []
        self.follow_playback = True
        self.profanity = DEFAULT_PROFANITY  # the Profanity setting: how swear words are shown (the library keeps them)

    def show_conversation(self, conversation: Conversation | None) -> None:
        """Show a conversation's transcript (None: empty); returns nothing."""
        bar = self.verticalScrollBar().value()
        same = conversation is not None and self.conversation is not None and conversation.conversation_id == self.conversation.conversation_id
        self.conversation = conversation
        self.clear()
        self.utterance_spans, self.word_spans, self.current_word = [], [], None
        self._by_id, self._paragraphs, self._folded = {}, [], None
        if conversation is not None:
            self._build(conversation)
        self._word_starts = [s.start for s in self.word_spans]
        self._word_times = [s.offset_ms for s in self.word_spans]
        self._utterance_starts = [s.start for s in self.utterance_spans]
        if same:
            self.verticalScrollBar().setValue(bar)
        self._playing = []
        self.find(self._find_query, keep=same)

    def _build(self, conversation: Conversation) -> None:
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        previous: Utterance | None = None
        muted = QColor("#6b7280")
        for utterance in conversation.ordered():
            self._by_id[utterance.result_id] = utterance
            text = filter_profanity(" ".join(utterance.display.split()), self.profanity, conversation.locale)
            if not text:
                continue
            if previous is None or (previous.speaker, previous.channel) != (utterance.speaker, utterance.channel):
                block = QTextBlockFormat()
                block.setTopMargin(0 if previous is None else 14)
                if previous is None:
                    cursor.setBlockFormat(block)
                else:
                    cursor.insertBlock(block)
                label = QTextCharFormat()
                label.setFontWeight(QFont.Weight.Bold)
                label.setForeground(speaker_color(utterance.speaker))
                name = conversation.speaker_label(utterance.speaker) or (f"Channel {utterance.channel + 1}" if conversation.channels > 1 else "Speaker")
                cursor.insertText(name, label)
                stamp = QTextCharFormat()
                stamp.setForeground(muted)
                cursor.insertText(f"   {format_time(utterance.offset_ms)}", stamp)
                cursor.insertBlock(QTextBlockFormat())
                run_on = False
            else:
                cursor.insertText(" ", QTextCharFormat())
                run_on = True  # the speaker's next phrase, in the same paragraph after one space
            start = cursor.position()
            cursor.insertText(text, QTextCharFormat())
            self.utterance_spans.append(Span(start, cursor.position(), utterance.offset_ms, utterance.end_ms, utterance.result_id))
            if run_on:
                self._paragraphs[-1][1] += " " + text
            else:
                self._paragraphs.append([start, text])
            self.word_spans.extend(_word_spans(text, utterance, start, self.profanity, conversation.locale))
            previous = utterance
        cursor.endEditBlock()

    # positions

    def utterance(self, result_id: str) -> Utterance | None:
        """Return the shown utterance with this result id."""
        return self._by_id.get(result_id)

    def span_at(self, position: int) -> tuple[Span | None, Span | None]:
        """Return (word, utterance) at a document position (either may be None)."""
        word = None
        i = bisect.bisect_right(self._word_starts, position) - 1
        if i >= 0 and self.word_spans[i].start <= position <= self.word_spans[i].end:
            word = self.word_spans[i]
        j = bisect.bisect_right(self._utterance_starts, position) - 1
        utterance = None
        if j >= 0 and self.utterance_spans[j].start <= position <= self.utterance_spans[j].end:
            utterance = self.utterance_spans[j]
        return word, utterance

    def time_at(self, position: int) -> int | None:
        """Return the time a click at a document position means: the word's start, else the utterance's."""
        word, utterance = self.span_at(position)
        if word is not None:
            return word.offset_ms
        return utterance.offset_ms if utterance is not None else None

    def word_at_time(self, ms: int) -> Span | None:
        """Return the word being spoken at `ms` (None between words)."""
        i = bisect.bisect_right(self._word_times, ms) - 1
        if i < 0:
            return None
        # words that start together (whisper's zero-length words): the first one that spans ms
        first = bisect.bisect_left(self._word_times, self._word_times[i])
        for span in self.word_spans[first:i + 1]:
            if span.offset_ms <= ms < max(span.end_ms, span.offset_ms + 1):
                return span
        return None

    def utterance_at_time(self, ms: int) -> Span | None:
        """Return the utterance under way at `ms`, or the last one started before it."""
        times = [s.offset_ms for s in self.utterance_spans]
        i = bisect.bisect_right(times, ms) - 1
        return self.utterance_spans[i] if i >= 0 else None

    def highlight_time(self, ms: int) -> None:
        """Light up the word (and faintly its utterance) spoken at `ms`; returns nothing."""
        word = self.word_at_time(ms)
        utterance = self.utterance_at_time(ms)
        selections = []
        if utterance is not None and utterance.offset_ms <= ms <= utterance.end_ms:
            selections.append(self._selection(utterance.start, utterance.end, QColor(253, 230, 138, 70)))
        if word is not None:
            selections.append(self._selection(word.start, word.end, QColor("#fde68a")))
        self.current_word = word
        self._playing = selections
        self._show_selections(found_changed=False)
        target = word or utterance
        if target is not None and self.follow_playback:
            self._ensure_visible(target.start)

    # find in this conversation

    def find(self, query: str, *, keep: bool = False) -> int:
        """Mark where `query` is said in the transcript (case, Latin accents and ё aside, as core.text.find folds the
        conversation's language); return how many times.

        Only what was said is searched, not the speaker headings or times; a phrase may run on from one of a
        speaker's phrases into the next, as they are shown. The current one is the first at or after the top of
        the view, or, when `keep` (the same conversation shown again), the one nearest the last.
        """
        from core.text.find import fold, matches, phrase_pattern

        previous = self.found[self.found_index][0] if keep and 0 <= self.found_index < len(self.found) else None
        self._find_query = query
        locale = self.conversation.locale if self.conversation is not None else None
        pattern = phrase_pattern(query, locale)
        self.found = []
        if pattern is not None:
            if self._folded is None:
                self._folded = [fold(text, locale) for _, text in self._paragraphs]
            for (start, text), folded in zip(self._paragraphs, self._folded):
                places = matches(folded, pattern)
                if places:
                    qt = qt_offsets(text)
                    self.found.extend((start + qt(a), start + qt(b)) for a, b in places)
        if not self.found:
            self.found_index = -1
        elif previous is not None:
            self.found_index = min(range(len(self.found)), key=lambda i: abs(self.found[i][0] - previous))
        else:
            top = self.cursorForPosition(self.viewport().rect().topLeft()).position()
            self.found_index = next((i for i, (start, _) in enumerate(self.found) if start >= top), 0)
        self._show_selections()
        return len(self.found)

    def find_step(self, step: int) -> Span | None:
        """Make the next (1) or previous (-1) one found current, wrapping around, and bring it into view.

        Returns the word it starts in (None when nothing is found)."""
        if not self.found:
            return None
        self.found_index = (self.found_index + step) % len(self.found)
        start, end = self.found[self.found_index]
        self._show_selections()
        self._ensure_visible(start, center=step != 0)  # typing: only if out of view
        return self.span_at(start)[0]

    def _show_selections(self, *, found_changed: bool = True) -> None:
        """Show the places found (the current one stronger) under the spoken word; returns nothing.

        The places' selections are made only when they change, not at every playback tick, and at most
        MAX_MARKED of them are marked (a single letter is found thousands of times); the current one always is.
        """
        if found_changed:
            marked = set(range(min(len(self.found), MAX_MARKED))) | ({self.found_index} if self.found_index >= 0 else set())
            self._found_selections = [
                self._selection(*self.found[i], QColor("#f59e0b" if i == self.found_index else "#fef08a"))
                for i in sorted(marked)]
        self.setExtraSelections(self._found_selections + self._playing)

    def scroll_to_time(self, ms: int) -> None:
        """Bring the utterance at `ms` into view and mark it; returns nothing."""
        self.highlight_time(ms)
        utterance = self.utterance_at_time(ms)
        if utterance is not None:
            self._ensure_visible(utterance.start, center=True)

    def reveal(self, result_id: str) -> bool:
        """Return whether the transcript shown holds the phrase with this result id (one with no text left to show, as
        the Profanity setting may leave it, included), after bringing it into view when it is shown and out of view."""
        span = next((s for s in self.utterance_spans if s.result_id == result_id), None)
        if span is not None:
            self._ensure_visible(span.start)
        return result_id in self._by_id

    def _selection(self, start: int, end: int, color: QColor) -> QTextEdit.ExtraSelection:
        selection = QTextEdit.ExtraSelection()
        cursor = QTextCursor(self.document())
        cursor.setPosition(start)
        cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        selection.cursor = cursor
        fmt = QTextCharFormat()
        fmt.setBackground(color)
        selection.format = fmt
        return selection

    def _ensure_visible(self, position: int, center: bool = False) -> None:
        cursor = QTextCursor(self.document())
        cursor.setPosition(position)
        rect = self.cursorRect(cursor)
        view = self.viewport().rect()
        if center or not view.adjusted(0, 20, 0, -20).contains(rect.center()):
            bar = self.verticalScrollBar()
            bar.setValue(bar.value() + rect.center().y() - view.height() // 2)

    # mouse

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if event.button() != Qt.MouseButton.LeftButton or self.textCursor().hasSelection():
            return
        ms = self.time_at(self.cursorForPosition(event.position().toPoint()).position())
        if ms is not None:
            self.seek_requested.emit(ms)

    def contextMenuEvent(self, event) -> None:
        _, span = self.span_at(self.cursorForPosition(event.pos()).position())
        if span is not None:
            self.context_requested.emit(self._by_id[span.result_id], event.globalPos())
        else:
            super().contextMenuEvent(event)

    def point_of(self, position: int):
        """Return the viewport point of a document position (for tests and tooltips)."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(position)
        return self.cursorRect(cursor).center()
