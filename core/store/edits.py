"""Undoing and redoing the user's corrections to a conversation: speaker names, merges, reassignments, text and
deleted phrases.

An edit is recorded as the rows it changed, each as it was before and after, read only where the
correction can reach (its Reach): the speakers it names, merges, adds or empties (by number, so a
speaker row deleted and put back may get another id), the utterances it reassigns or corrects, and
the utterances and words of the voices a merge moves. Undo writes the before values back and redo
the after values, each only while those rows still hold what the other side left there; anything
else (another edit made elsewhere, a pass deleted) raises EditConflict. Rows the edit did not touch,
such as a pass a worker added since, are left as they are. Plain functions of a sqlite-utils
Database, called inside the library's write transaction, which a conflict rolls back whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlite_utils import Database

from core.errors import StoreError

# a table's rows by key; None: the row does not exist on that side
Rows = dict[object, tuple | None]

_TEXT_FIELDS = ("lexical", "itn", "masked_itn", "display", "edited")


class EditConflict(StoreError):
    """An edit cannot be undone or redone because its rows have changed since."""

    hint = "The conversation was changed since (elsewhere, or by a new transcription); make the change by hand."


@dataclass(frozen=True)
class Reach:
    """Where a correction can change rows: what edit_state reads before and after it, and nothing else."""

    speakers: frozenset[int] = frozenset()  # speaker numbers it may name, add or remove
    utterances: frozenset[int] = frozenset()  # utterance ids whose speaker or text it may change (with their words)
    voices: frozenset[int] = frozenset()  # speaker numbers whose utterances and words, in every pass, it may move

    @classmethod
    def of(cls, speakers: Iterable[int] = (), utterances: Iterable[int] = (), voices: Iterable[int] = ()) -> "Reach":
        """Return the reach of the given speaker numbers, utterance ids and moving voices."""
        return cls(frozenset(speakers), frozenset(utterances), frozenset(voices))


@dataclass(frozen=True)
class EditState:
    """The rows a correction can change, read from the database, by key."""

    speakers: Rows = field(default_factory=dict)  # number -> (name,)
    utterances: Rows = field(default_factory=dict)  # utterance id -> (pass created, speaker number, *_TEXT_FIELDS)
    words: Rows = field(default_factory=dict)  # (utterance id, position) -> (pass created, speaker)


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


@dataclass(frozen=True)
class Place:
    """Where an edit changed a phrase: its pass, whether that pass is the one shown, its result id and time."""

    pass_id: int
    current: bool
    result_id: str
    offset_ms: int


@dataclass(frozen=True)
class RenameSpeaker:
    """Name speaker `number` (None or empty: back to Guest-N)."""

    number: int
    name: str | None

    def reach(self) -> dict:
        return {"speakers": [self.number]}

    def apply(self, library, conversation_id: str) -> None:
        return library.rename_speaker(conversation_id, self.number, self.name)


@dataclass(frozen=True)
class MergeSpeakers:
    """Give everything speaker `absorb` said to speaker `keep`."""

    keep: int
    absorb: int

    def reach(self) -> dict:
        return {"speakers": [self.keep, self.absorb], "voices": [self.keep, self.absorb]}

    def apply(self, library, conversation_id: str) -> int:
        return library.merge_speakers(conversation_id, self.keep, self.absorb)


@dataclass(frozen=True)
class Reassign:
    """Give one utterance of the current pass to speaker `number` (a new number adds a speaker)."""

    result_id: str
    number: int

    def reach(self) -> dict:
        return {"speakers": [self.number], "result_ids": [self.result_id]}

    def apply(self, library, conversation_id: str) -> None:
        return library.reassign_utterance(conversation_id, self.result_id, self.number)


@dataclass(frozen=True)
class CorrectText:
    """Store the user's corrected display text of one utterance of the current pass."""

    result_id: str
    display: str

    def reach(self) -> dict:
        return {"result_ids": [self.result_id]}

    def apply(self, library, conversation_id: str):
        return library.edit_utterance(conversation_id, self.result_id, self.display)


@dataclass(frozen=True)
class DeletePhrase:
    """Delete one utterance of the current pass (a phrase said in a silence that nobody said, a side remark): its text
    is emptied, and a conversation leaves out such phrases when it is read (an undo writes the text back)."""

    result_id: str

    def reach(self) -> dict:
        return {"result_ids": [self.result_id]}

    def apply(self, library, conversation_id: str):
        return library.edit_utterance(conversation_id, self.result_id, "")


Correction = RenameSpeaker | MergeSpeakers | Reassign | CorrectText | DeletePhrase


def _marks(values) -> str:
    return ",".join("?" * len(values))


def edit_state(db: Database, conversation_id: str, reach: Reach) -> EditState:
    """Return the rows within `reach` as they are now.

    Each utterance and word row carries its pass's creation time: a pass deleted and another added may reuse the
    same row ids, and an undo must not take the new rows for the ones it changed.
    """
    speakers: Rows = dict.fromkeys(reach.speakers)
    if reach.speakers:
        numbers = sorted(reach.speakers)
        speakers.update({number: (name,) for number, name in db.execute(
            f"SELECT number, name FROM speakers WHERE conversation_id = ? AND number IN ({_marks(numbers)})",
            [conversation_id, *numbers])})
    ids, voices = json.dumps(sorted(reach.utterances)), sorted(reach.voices)
    utterances: Rows = {}
    words: Rows = {}
    if reach.utterances or voices:
        # ids as one JSON list: a merge's undo may name thousands, past SQLite's limit on bound variables
        rows = db.execute(
            f"SELECT u.id, p.created, s.number, {', '.join('u.' + f for f in _TEXT_FIELDS)} FROM utterances u"
            " JOIN passes p ON p.id = u.pass_id LEFT JOIN speakers s ON s.id = u.speaker_id"
            " WHERE p.conversation_id = ? AND (u.id IN (SELECT value FROM json_each(?))"
            f" OR s.number IN ({_marks(voices)}))", [conversation_id, ids, *voices])
        utterances = {row[0]: tuple(row[1:]) for row in rows}
        words = {(row[0], row[1]): tuple(row[2:]) for row in db.execute(
            "SELECT w.utterance_id, w.position, p.created, w.speaker FROM words w"
            " JOIN utterances u ON u.id = w.utterance_id JOIN passes p ON p.id = u.pass_id"
            " WHERE p.conversation_id = ? AND (w.utterance_id IN (SELECT value FROM json_each(?))"
            f" OR w.speaker IN ({_marks(voices)}))", [conversation_id, ids, *voices])}
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


def reach(db: Database, conversation_id: str, *, speakers: Iterable[int] = (), result_ids: Iterable[str] = (),
          voices: Iterable[int] = ()) -> Reach:
    """Return the Reach of a correction: its speakers and voices, and its result ids of the current pass with their speakers."""
    result_ids = sorted(set(result_ids))
    rows = db.execute(
        f"SELECT u.id, s.number FROM utterances u JOIN conversations c ON c.current_pass_id = u.pass_id"
        f" LEFT JOIN speakers s ON s.id = u.speaker_id WHERE c.conversation_id = ? AND u.result_id IN ({_marks(result_ids)})",
        [conversation_id, *result_ids]).fetchall() if result_ids else []
    return Reach.of({*speakers, *voices, *(number for _, number in rows if number is not None)}, (uid for uid, _ in rows), voices)


def _reach_of(state: EditState) -> Reach:
    return Reach.of(state.speakers, {*state.utterances, *(uid for uid, _ in state.words)})


def restore(db: Database, edit: Edit, *, undo: bool) -> None:
    """Return None after writing back the edit's before rows (undo) or after rows (redo).

    Raises EditConflict when those rows no longer hold the other side's values; the caller's
    transaction then rolls back whatever was written.
    """
    target, expected = (edit.before, edit.after) if undo else (edit.after, edit.before)
    conflict = f"“{edit.description}” cannot be {'undone' if undo else 'redone'}"
    cid = edit.conversation_id
    now = edit_state(db, cid, _reach_of(expected))
    for number, row in expected.speakers.items():
        if now.speakers.get(number) != row:
            change = "has been added" if row is None else "has been removed" if now.speakers[number] is None else "was renamed"
            raise EditConflict(f"{conflict}: speaker {number} {change} since.")
    if any(now.utterances.get(k) != v for k, v in expected.utterances.items()) or any(
            now.words.get(k) != v for k, v in expected.words.items()):
        raise EditConflict(f"{conflict}: the conversation has changed since.")
    # speakers first (utterances refer to them), those the target lacks last
    db.conn.executemany("INSERT INTO speakers (conversation_id, number, name) VALUES (?, ?, ?)",
                        [(cid, n, *row) for n, row in target.speakers.items() if row is not None and expected.speakers[n] is None])
    db.conn.executemany("UPDATE speakers SET name = ? WHERE conversation_id = ? AND number = ?",
                        [(*row, cid, n) for n, row in target.speakers.items() if row is not None and expected.speakers[n] is not None])
    db.conn.executemany(
        f"UPDATE utterances SET speaker_id = (SELECT id FROM speakers WHERE conversation_id = ? AND number = ?),"
        f" {', '.join(f'{f} = ?' for f in _TEXT_FIELDS)} WHERE id = ?",
        [(cid, *row[1:], key) for key, row in target.utterances.items()])
    db.conn.executemany("UPDATE words SET speaker = ? WHERE utterance_id = ? AND position = ?",
                        [(row[1], uid, position) for (uid, position), row in target.words.items()])
    for number in (n for n, row in target.speakers.items() if row is None):
        used = db.execute("SELECT 1 FROM utterances u JOIN speakers s ON s.id = u.speaker_id"
                          " WHERE s.conversation_id = ? AND s.number = ? LIMIT 1", [cid, number]).fetchone()
        if used:
            raise EditConflict(f"{conflict}: a newer transcript uses speaker {number}.")
        db.execute("DELETE FROM speakers WHERE conversation_id = ? AND number = ?", [cid, number])


def place(db: Database, edit: Edit) -> Place | None:
    """Return the first phrase (by time) the edit changed in the pass shown, else in the newest pass it changed;
    None when it changed names only."""
    ids = sorted({*edit.before.utterances, *(uid for uid, _ in edit.before.words)})
    if not ids:
        return None
    row = db.execute(
        "SELECT u.pass_id, u.pass_id IS c.current_pass_id, u.result_id, u.offset_ms FROM utterances u"
        " JOIN passes p ON p.id = u.pass_id JOIN conversations c ON c.conversation_id = p.conversation_id"
        " WHERE p.conversation_id = ? AND u.id IN (SELECT value FROM json_each(?))"
        " ORDER BY u.pass_id IS c.current_pass_id DESC, p.created DESC, p.id DESC, u.offset_ms, u.channel LIMIT 1",
        [edit.conversation_id, json.dumps(ids)]).fetchone()
    return Place(row[0], bool(row[1]), row[2], row[3]) if row else None
