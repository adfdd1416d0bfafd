"""Speakers of a conversation: numbered voices the user can name, merge and reassign.

Speaker rows belong to the conversation, not to one pass, so a name given once stays on that
number when the conversation is transcribed again. Plain functions of a sqlite-utils Database,
called inside the library's write transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlite_utils import Database

from core.errors import NotFoundError, StoreError
from core.results import Speaker


def ensure_speakers(
    db: Database, conversation_id: str, numbers: Iterable[int], names: Mapping[int, str | None] | None = None
) -> dict[int, int]:
    """Return {speaker number: row id}, creating missing rows and setting the names given (None keeps a name)."""
    names = dict(names or {})
    wanted = sorted(set(int(n) for n in numbers) | set(names))
    for number in wanted:
        if number < 1:
            raise StoreError(f"Speaker numbers start at 1; got {number}.")
    db.conn.executemany(
        "INSERT OR IGNORE INTO speakers (conversation_id, number) VALUES (?, ?)",
        [(conversation_id, n) for n in wanted],
    )
    for number, name in names.items():
        if name is not None:
            db.execute(
                "UPDATE speakers SET name = ? WHERE conversation_id = ? AND number = ?",
                [_clean_name(name), conversation_id, number],
            )
    if not wanted:
        return {}
    marks = ",".join("?" * len(wanted))
    rows = db.execute(
        f"SELECT number, id FROM speakers WHERE conversation_id = ? AND number IN ({marks})",
        [conversation_id, *wanted],
    )
    return dict(rows.fetchall())


def _clean_name(name: str | None) -> str | None:
    name = " ".join((name or "").split())
    return name or None


def speakers_of_pass(db: Database, conversation_id: str, pass_id: int | None) -> dict[int, Speaker]:
    """Return the speakers a pass uses, plus those no pass uses yet (participants named up front); one whose phrases the
    user all deleted is used no more."""
    rows = db.execute(
        """
        SELECT s.number, s.name FROM speakers s
        WHERE s.conversation_id = ?
          AND (EXISTS (SELECT 1 FROM utterances u WHERE u.speaker_id = s.id AND u.pass_id IS ? AND u.display != '')
               OR NOT EXISTS (SELECT 1 FROM utterances u WHERE u.speaker_id = s.id))
        ORDER BY s.number
        """,
        [conversation_id, pass_id],
    )
    return {number: Speaker(number=number, name=name) for number, name in rows}


def _speaker_id(db: Database, conversation_id: str, number: int) -> int:
    row = db.execute(
        "SELECT id FROM speakers WHERE conversation_id = ? AND number = ?", [conversation_id, number]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Conversation {conversation_id} has no speaker {number}.")
    return row[0]


def rename_speaker(db: Database, conversation_id: str, number: int, name: str | None) -> None:
    """Return None after naming a speaker (an empty name goes back to the Guest-N label)."""
    speaker_id = _speaker_id(db, conversation_id, number)
    db.execute("UPDATE speakers SET name = ? WHERE id = ?", [_clean_name(name), speaker_id])


def merge_speakers(db: Database, conversation_id: str, keep: int, absorb: int) -> int:
    """Return how many utterances moved from speaker `absorb` to speaker `keep`; `absorb` is removed."""
    if keep == absorb:
        raise StoreError(f"Cannot merge speaker {keep} into itself.")
    keep_id = _speaker_id(db, conversation_id, keep)
    absorb_id = _speaker_id(db, conversation_id, absorb)
    moved = db.execute("UPDATE utterances SET speaker_id = ? WHERE speaker_id = ?", [keep_id, absorb_id]).rowcount
    db.execute(
        """
        UPDATE words SET speaker = ? WHERE speaker = ? AND utterance_id IN (
            SELECT u.id FROM utterances u JOIN passes p ON p.id = u.pass_id WHERE p.conversation_id = ?)
        """,
        [keep, absorb, conversation_id],
    )
    db.execute(
        "UPDATE speakers SET name = (SELECT name FROM speakers WHERE id = ?) WHERE id = ? AND name IS NULL",
        [absorb_id, keep_id],
    )
    db.execute("DELETE FROM speakers WHERE id = ?", [absorb_id])
    return moved


def reassign_utterance(db: Database, conversation_id: str, pass_id: int, result_id: str, number: int) -> None:
    """Return None after giving one utterance of the pass (and its words) to speaker `number`."""
    row = db.execute(
        "SELECT id, speaker_id FROM utterances WHERE pass_id = ? AND result_id = ?", [pass_id, result_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"Conversation {conversation_id} has no utterance {result_id}.")
    utterance_id, previous = row
    speaker_id = ensure_speakers(db, conversation_id, [number])[number]
    db.execute("UPDATE utterances SET speaker_id = ? WHERE id = ?", [speaker_id, utterance_id])
    db.execute("UPDATE words SET speaker = ? WHERE utterance_id = ?", [number, utterance_id])
    # a voice left with nothing said in any pass, and no name, was a diarization mistake
    db.execute(
        "DELETE FROM speakers WHERE id = ? AND name IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM utterances WHERE speaker_id = ?)",
        [previous, previous],
    )
