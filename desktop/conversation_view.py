"""One conversation: its transcript with playback, speakers, passes, re-transcription and export."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QSplitter, QVBoxLayout, QWidget

from core.results import Conversation, Utterance
from core.store.edits import CorrectText, DeletePhrase, MergeSpeakers, Reassign, RenameSpeaker
from desktop.conversation_header import ConversationHeader
from desktop.edit_history import EditHistory
from desktop.find_bar import FindBar
from desktop.jobs_view import JobPace
from desktop.player import PlayerBar
from desktop.services import Services
from desktop.speaker_colors import format_time
from desktop.speakers_panel import SpeakersPanel
from desktop.transcript_view import TranscriptView

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class Loaded:
    """Everything the view shows, read in one library operation."""

    conversation: Conversation
    passes: list
    audio: Path | None
    job: object | None


def _load(lib, conversation_id: str) -> Loaded:
    from core.errors import AudioError
    from core.jobs.queue import TranscriptionQueue

    conversation = lib.get_conversation(conversation_id)
    try:
        audio = lib.audio_path(conversation_id)
    except AudioError:
        audio = None
    jobs = TranscriptionQueue(lib).jobs(conversation_id=conversation_id, limit=1)
    return Loaded(conversation, lib.passes(conversation_id), audio, jobs[0] if jobs else None)



class ConversationView(QWidget):
    """Reads, plays and edits one stored conversation."""

    back_requested = Signal()
    export_requested = Signal(list)  # [conversationId]
    retranscribe_requested = Signal(str)
    loaded = Signal(str)  # conversationId, after each (re)load

    def __init__(self, services: Services, parent: QWidget | None = None, *, job_pace: JobPace | None = None):
        super().__init__(parent)
        self.setObjectName("conversationView")
        self.services = services
        self.job_pace = job_pace or JobPace()  # the Jobs page's, which reads the jobs each second
        self.conversation_id: str | None = None
        self.data: Loaded | None = None
        self._pending_seek: int | None = None
        self._pending_reveal: str | None = None  # a phrase an undo or redo changed, to bring into sight once reloaded

        self.header = ConversationHeader(self.job_pace)
        self.header.back_requested.connect(self.back_requested)
        self.header.pass_chosen.connect(self._pass_chosen)
        self.header.retranscribe_clicked.connect(lambda: self.conversation_id and self.retranscribe_requested.emit(self.conversation_id))
        self.header.export_clicked.connect(lambda: self.conversation_id and self.export_requested.emit([self.conversation_id]))
        header = self.header  # its parts, as the rest of the app and the tests know them
        self.back_button, self.title, self.details = header.back_button, header.title, header.details
        self.pass_box, self.retranscribe_button, self.export_button = header.pass_box, header.retranscribe_button, header.export_button
        self.player = PlayerBar()
        self.transcript = TranscriptView()
        self.speakers = SpeakersPanel()
        self.history = EditHistory(services.ops, self)
        self.history.revealed.connect(self._reveal)
        self.find_bar = FindBar()

        split = QSplitter(Qt.Orientation.Horizontal)
        column = QWidget()
        column_layout = QVBoxLayout(column)
        column_layout.setContentsMargins(0, 0, 0, 0)
        column_layout.addWidget(self.find_bar)
        column_layout.addWidget(self.transcript, 1)
        split.addWidget(column)
        split.addWidget(self.speakers)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 1)
        split.setSizes([700, 220])
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.player)
        layout.addWidget(split, 1)

        self.transcript.seek_requested.connect(self.seek)
        self.transcript.context_requested.connect(self._utterance_menu)
        self.player.position_changed.connect(self._playing_at)
        self.speakers.rename_requested.connect(self.rename_speaker)
        self.speakers.merge_requested.connect(self.merge_speaker)
        self.find_bar.query_changed.connect(self._find)
        self.find_bar.step_requested.connect(self.find_step)
        self.find_bar.closed.connect(self._find_closed)
        services.changes.library_changed.connect(self.reload)
        # the transcript shows swear words as the Profanity setting says: a change of it shows at once
        services.changes.settings_changed.connect(
            lambda settings: self.data is not None and settings.profanity != self.transcript.profanity and self.reload())

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        self.history.show(self.conversation_id)  # Edit ▸ Undo acts on the conversation shown, and on nothing elsewhere

    def hideEvent(self, event) -> None:  # noqa: N802
        super().hideEvent(event)
        self.history.show(None)

    # loading

    def open(self, conversation_id: str, offset_ms: int | None = None) -> None:
        """Show a conversation (and jump to offset_ms once it is loaded); returns nothing."""
        if conversation_id != self.conversation_id:
            self.player.pause()
            self.conversation_id, self._pending_reveal = conversation_id, None
            if self.isVisible():
                self.history.show(conversation_id)
            self.data = None
            self.transcript.show_conversation(None)
            self.header.show_loading()
        self._pending_seek = offset_ms
        self.reload()

    def reload(self) -> None:
        """Read the shown conversation again (off the GUI thread); returns nothing."""
        conversation_id = self.conversation_id
        if conversation_id is None:
            return

        def failed(error: BaseException) -> None:
            from core.errors import NotFoundError
            from desktop.errors import show_error

            if isinstance(error, NotFoundError):
                self.history.forget(conversation_id)
            if isinstance(error, NotFoundError) and self.conversation_id == conversation_id:
                self.close_conversation()  # deleted meanwhile
                self.back_requested.emit()
            else:
                show_error(self, error)

        op = self.services.ops.library_op(lambda lib: _load(lib, conversation_id), parent=self)
        op.success(lambda data: self._show(conversation_id, data)).failure(failed).run()

    def close_conversation(self) -> None:
        """Show nothing and stop playback; returns nothing."""
        self.player.load(None)
        self.conversation_id, self.data = None, None
        self.history.show(None)
        self.find_bar.show_count(0, 0)
        self.transcript.show_conversation(None)
        self.speakers.show_conversation(None)

    def _show(self, conversation_id: str, data: Loaded) -> None:
        if conversation_id != self.conversation_id:
            return
        self.data = data
        c = data.conversation
        self.header.show_conversation(data)
        self.transcript.profanity = self.services.settings.profanity
        self.transcript.show_conversation(c)
        self.find_bar.show_count(self.transcript.found_index + 1, len(self.transcript.found))
        self.speakers.show_conversation(c)
        self.player.load(data.audio)
        if self._pending_seek is not None:
            self.seek(self._pending_seek)
            self.transcript.scroll_to_time(self._pending_seek)
            self._pending_seek = None
        if self._pending_reveal is not None and self.transcript.reveal(self._pending_reveal):
            self._pending_reveal = None  # else a reload asked before the undo came first: the next one shows it
        self.loaded.emit(conversation_id)

    def show_jobs(self, jobs: list) -> None:
        """Show the progress of this conversation's latest job, as the jobs list has just read it."""
        if self.data is None or self.conversation_id is None:
            return
        job = next((j for j in jobs if j.conversation_id == self.conversation_id), None)  # the newest comes first
        if job is None:
            return
        self.data = replace(self.data, job=job)
        self.header.show_details(self.data)  # each read: the step (paused or not) and the time left change with the same progress

    # find in this conversation

    def open_find(self) -> None:
        """Show the find bar (Ctrl+F on this page), its phrase ready to type over; returns nothing."""
        was_open = self.find_bar.isVisible()
        self.find_bar.open_bar()
        if not was_open and self.find_bar.field.text().strip():
            self._find(self.find_bar.field.text())

    def _find(self, query: str) -> None:
        total = self.transcript.find(query)
        self.find_bar.show_count(self.transcript.found_index + 1, total)
        if total:
            if self.player.playing:  # the spoken word would pull the view back at the next tick: it waits for a seek
                self.transcript.follow_playback = False
            self.find_step(0)

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if event.key() == Qt.Key.Key_Escape and self.find_bar.isVisible():  # Esc from the transcript closes it too
            self.find_bar.close_bar()
        else:
            super().keyPressEvent(event)

    def _find_closed(self) -> None:
        self._find("")
        self.transcript.follow_playback = True
        self.transcript.setFocus()

    def find_step(self, step: int) -> None:
        """Go to the next (1) or previous (-1) place the phrase is said, and playback with it; returns nothing."""
        if not self.find_bar.isVisible():
            self.open_find()
            return
        self.find_bar.flush()
        word = self.transcript.find_step(step)
        self.find_bar.show_count(self.transcript.found_index + 1, len(self.transcript.found))
        if word is not None and step:
            self.seek(word.offset_ms)  # as a click on the word: Space (or playing on) goes on from there

    # playback

    def seek(self, ms: int) -> None:
        """Move playback to `ms` and mark the word spoken there; returns nothing."""
        self.transcript.follow_playback = True
        self.player.seek(ms)
        self.transcript.highlight_time(ms)

    def toggle_playback(self) -> None:
        """Play or pause the recording; returns nothing."""
        self.player.toggle()

    def skip(self, delta_ms: int) -> None:
        """Move playback `delta_ms` back (negative) or on, within the recording, as a transcriber listening again does."""
        if self.player.source is None:
            return
        end = self.player.player.duration() or (self.data.conversation.duration_ms if self.data else 0)
        self.seek(min(max(0, self.player.position + delta_ms), max(0, end)))

    def _playing_at(self, ms: int) -> None:
        if self.player.playing:
            self.transcript.highlight_time(ms)

    # editing

    def _pass_chosen(self, pass_id) -> None:
        conversation_id = self.conversation_id
        if pass_id is not None and conversation_id:
            self.services.ops.library_op(lambda lib: lib.set_current_pass(conversation_id, pass_id), parent=self).changes().run()

    def _reveal(self, conversation_id: str, result_id: str) -> None:
        if conversation_id == self.conversation_id:  # the reload the undo asked for shows it
            self._pending_reveal = result_id

    def _edit(self, correction, description: str) -> None:
        """Make a correction (core.store.edits) to the shown conversation as a step Undo can take back; returns nothing."""
        if self.conversation_id:
            self.history.record(self.conversation_id, correction, description)

    def rename_speaker(self, number: int) -> None:
        """Ask for a speaker's name and store it (it shows everywhere); returns nothing."""
        if self.data is None:
            return
        old = self.data.conversation.speaker_label(number)
        name, ok = QInputDialog.getText(self, "Rename speaker", f"Name of {old} (empty: Guest-{number}):", QLineEdit.EchoMode.Normal, old)
        new = " ".join(name.split()) or f"Guest-{number}"
        if ok and new != old:
            self._edit(RenameSpeaker(number, name.strip() or None), f"Rename {old} to {new}")

    def merge_speaker(self, number: int) -> None:
        """Ask which speaker absorbs `number` and merge them; returns nothing."""
        if self.data is None:
            return
        c = self.data.conversation
        others = [n for n in self.speakers.numbers() if n != number]
        if not others:
            return
        labels = [c.speaker_label(n) for n in others]
        choice, ok = QInputDialog.getItem(self, "Merge speakers", f"Give everything {c.speaker_label(number)} said to:", labels, 0, False)
        if ok and choice in labels:
            keep = others[labels.index(choice)]
            self._edit(MergeSpeakers(keep, number), f"Merge {c.speaker_label(number)} into {choice}")

    def reassign(self, result_id: str, number: int) -> None:
        """Give one utterance to speaker `number` (a new number adds a speaker); returns nothing."""
        said = next((u for u in self.data.conversation.utterances if u.result_id == result_id), None) if self.data else None
        if said is not None and said.speaker == number:
            return  # already theirs
        label = self.data.conversation.speaker_label(number) if self.data else f"Guest-{number}"
        at = f" at {format_time(said.offset_ms)}" if said else ""
        self._edit(Reassign(result_id, number), f"Give the phrase{at} to {label}")

    def edit_text(self, utterance: Utterance) -> None:
        """Ask for the corrected text of an utterance and store it; returns nothing."""
        text, ok = QInputDialog.getMultiLineText(self, "Edit text", f"Text at {format_time(utterance.offset_ms)}:", utterance.display)
        if ok and text.strip() and text.strip() != utterance.display:
            self._edit(CorrectText(utterance.result_id, text.strip()), f"Edit the text at {format_time(utterance.offset_ms)}")

    def delete_phrase(self, utterance: Utterance) -> None:
        """Delete a phrase from the transcript shown (Edit ▸ Undo brings it back); returns nothing."""
        self._edit(DeletePhrase(utterance.result_id), f"Delete the phrase at {format_time(utterance.offset_ms)}")

    def _utterance_menu(self, utterance: Utterance, where) -> None:
        if self.data is None:
            return
        c = self.data.conversation
        menu = QMenu(self)
        menu.addAction("Play from here", lambda: (self.seek(utterance.offset_ms), self.player.player.play()))
        menu.addAction("Edit text…", lambda: self.edit_text(utterance))
        menu.addAction("Delete phrase", lambda: self.delete_phrase(utterance))
        assign = menu.addMenu("Said by")
        numbers = sorted(set(self.speakers.numbers()) | ({utterance.speaker} if utterance.speaker else set()))
        for n in numbers:
            action = assign.addAction(c.speaker_label(n), lambda n=n: self.reassign(utterance.result_id, n))
            action.setCheckable(True)
            action.setChecked(n == utterance.speaker)
        new_number = max(numbers, default=0) + 1
        assign.addAction(f"New speaker (Guest-{new_number})", lambda: self.reassign(utterance.result_id, new_number))
        if utterance.speaker is not None:
            menu.addAction(f"Rename {c.speaker_label(utterance.speaker)}…", lambda: self.rename_speaker(utterance.speaker))
        menu.popup(where)

