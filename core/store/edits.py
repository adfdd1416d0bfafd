"""Undoing and redoing the user's corrections to a conversation: speaker names, merges, reassignments and text.

An edit is recorded as the rows it changed, each as it was before and after: the conversation's
speakers (number, name), its utterances' speaker and text forms, and its words' speakers. Undo
writes the before values back and redo the after values, each only while those rows still hold
what the other side left there; anything else (another edit made elsewhere, a pass deleted)
refuses with a clear error and changes nothing. Rows the edit did not touch, such as a pass
a worker added since, are left as they are. Plain functions of a sqlite-utils Database, called
inside the library's write transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlite_utils import Database

from core.errors import StoreError

# a table's rows by key; None: the row does not exist on that side
Rows = dict[object, tuple | None]

_UTTERANCE_FIELDS = ("speaker_id", "lexical", "itn", "masked_itn", "display", "edited")


class EditConflict(StoreError):
    """An edit cannot be undone or redone because its rows have changed since."""

    hint = "The conversation was changed since (elsewhere, or by a new transcription); make the change by hand."


@dataclass(frozen=True)
class EditState:
    """What a conversation's edits can change, read from the database: each table's rows by key."""

    speakers: Rows  # speaker row id -> (number, name)
    utterances: Rows  # utterance id -> _UTTERANCE_FIELDS
    words: Rows  # (utterance id, position) -> (speaker,)


@dataclass(frozen=True)
class Edit:
    """One correction to a conversation, as the rows it changed before and after it."""

    conversation_id: str
    description: str
    before: EditState
    after: EditState

    @property
    def empty(self) -> bool:
        """Return True when the edit changed nothing (a name given again, text left as it was)."""
        return not (self.before.speakers or self.before.utterances or self.before.words)


def edit_state(db: Database, conversation_id: str) -> EditState:
    """Return the conversation's speakers, utterance speakers and texts, and word speakers as they are now."""
    speakers = {row[0]: tuple(row[1:]) for row in db.execute(
        "SELECT id, number, name FROM speakers WHERE conversation_id = ?", [conversation_id])}
    utterances = {row[0]: tuple(row[1:]) for row in db.execute(
        f"SELECT u.id, {', '.join('u.' + f for f in _UTTERANCE_FIELDS)} FROM utterances u"
        " JOIN passes p ON p.id = u.pass_id WHERE p.conversation_id = ?", [conversation_id])}
    words = {(row[0], row[1]): (row[2],) for row in db.execute(
        "SELECT w.utterance_id, w.position, w.speaker FROM words w WHERE w.utterance_id IN"
        " (SELECT u.id FROM utterances u JOIN passes p ON p.id = u.pass_id WHERE p.conversation_id = ?)",
        [conversation_id])}
    return EditState(speakers, utterances, words)


def _changed(before: Rows, after: Rows) -> tuple[Rows, Rows]:
    keys = [k for k in before.keys() | after.keys() if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def between(conversation_id: str, description: str, before: EditState, after: EditState) -> Edit:
    """Return the edit that turned `before` into `after`, keeping only the rows it changed."""
    speakers = _changed(before.speakers, after.speakers)
    utterances = _changed(before.utterances, after.utterances)
    words = _changed(before.words, after.words)
    return Edit(conversation_id, description,
                EditState(speakers[0], utterances[0], words[0]), EditState(speakers[1], utterances[1], words[1]))


def restore(db: Database, edit: Edit, *, undo: bool) -> None:
    """Return None after writing back the edit's before rows (undo) or after rows (redo).

    Raises EditConflict, changing nothing, when the rows no longer hold the other side's values.
    """
    target, expected = (edit.before, edit.after) if undo else (edit.after, edit.before)
    conflict = f"“{edit.description}” cannot be {'undone' if undo else 'redone'}"
    now = edit_state(db, edit.conversation_id)
    for table in ("speakers", "utterances", "words"):
        current, wanted = getattr(now, table), getattr(expected, table)
        if any(current.get(key) != value for key, value in wanted.items()):
            raise EditConflict(f"{conflict}: the conversation has changed since.")
    # speakers first (utterances refer to them), those the target lacks last
    for key, row in target.speakers.items():
        if row is not None and expected.speakers.get(key) is None:
            try:
                db.execute("INSERT INTO speakers (id, conversation_id, number, name) VALUES (?, ?, ?, ?)",
                           [key, edit.conversation_id, *row])
            except sqlite3.IntegrityError:
                raise EditConflict(f"{conflict}: speaker {row[0]} has been given to another voice since.") from None
        elif row is not None:
            db.execute("UPDATE speakers SET number = ?, name = ? WHERE id = ?", [*row, key])
    assignments = ", ".join(f"{field} = ?" for field in _UTTERANCE_FIELDS)
    for key, row in target.utterances.items():
        if row is not None:
            db.execute(f"UPDATE utterances SET {assignments} WHERE id = ?", [*row, key])
    for (utterance_id, position), row in target.words.items():
        if row is not None:
            db.execute("UPDATE words SET speaker = ? WHERE utterance_id = ? AND position = ?",
                       [*row, utterance_id, position])
    for key, row in target.speakers.items():
        if row is None:
            if db.execute("SELECT 1 FROM utterances WHERE speaker_id = ?", [key]).fetchone():
                raise EditConflict(f"{conflict}: a newer transcript uses the speaker it added.")
            db.execute("DELETE FROM speakers WHERE id = ?", [key])
