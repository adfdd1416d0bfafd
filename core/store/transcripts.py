"""Conversations and their transcription passes: writing them, reading them back, listing them.

Plain functions of a sqlite-utils Database; the Library wraps writes in one transaction.
"""

from __future__ import annotations

import json
from itertools import groupby
from operator import itemgetter

from sqlite_utils import Database

from core.errors import NotFoundError, StoreError
from core.results import Conversation, Speaker, TextForms, Utterance, Word, new_conversation_id
from core.store.records import (
    UTTERANCE_COLUMNS,
    ConversationSummary,
    TranscriptionPass,
    from_db_time,
    now_text,
    to_db_time,
    utterance_from_row,
    utterance_row,
    word_rows,
)
from core.store.schema import PASS_KINDS
from core.store.speakers import ensure_speakers, speakers_of_pass
from core.text.forms import forms_from_display


def conversation_row(db: Database, conversation_id: str) -> dict:
    """Return the conversations row of an id; raise NotFoundError when there is none."""
    cursor = db.execute("SELECT * FROM conversations WHERE conversation_id = ?", [conversation_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFoundError(f"No conversation with id {conversation_id}.")
    return dict(zip([c[0] for c in cursor.description], row))


def insert_conversation(db: Database, conversation: Conversation) -> str:
    """Return the id of a new conversations row (and its speakers) made from a Conversation."""
    conversation_id = conversation.conversation_id or new_conversation_id()
    if db.execute("SELECT 1 FROM conversations WHERE conversation_id = ?", [conversation_id]).fetchone():
        raise StoreError(f"A conversation with id {conversation_id} is already in the library.")
    db.execute(
        """
        INSERT INTO conversations (conversation_id, title, created, duration_ms, source, locale, model, channels)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            conversation_id, conversation.title, to_db_time(conversation.created), int(conversation.duration_ms),
            conversation.source, conversation.locale, conversation.model, int(conversation.channels),
        ],
    )
    names = {number: speaker.name for number, speaker in conversation.speakers.items()}
    ensure_speakers(db, conversation_id, names, names)
    return conversation_id


def insert_pass(
    db: Database,
    conversation_id: str,
    utterances: list[Utterance],
    speakers: dict[int, Speaker] | None,
    *,
    kind: str,
    model: str,
    options: dict | None,
    current: bool = True,
) -> int:
    """Return the id of a new pass holding the utterances (with words); it becomes the current pass if `current`."""
    if kind not in PASS_KINDS:
        raise ValueError(f"pass kind must be one of {PASS_KINDS}, not {kind!r}")
    conversation_row(db, conversation_id)
    seen: set[str] = set()
    for utterance in utterances:
        if utterance.result_id in seen:
            raise StoreError(f"Two utterances share the result id {utterance.result_id!r}; nothing was saved.")
        seen.add(utterance.result_id)
    names = {number: speaker.name for number, speaker in (speakers or {}).items()}
    used = {u.speaker for u in utterances if u.speaker is not None}
    speaker_ids = ensure_speakers(db, conversation_id, used | set(names), names)
    pass_id = db.execute(
        "INSERT INTO passes (conversation_id, kind, model, options, status, created) VALUES (?, ?, ?, ?, ?, ?)",
        [conversation_id, kind, model, json.dumps(options or {}), "succeeded", now_text()],
    ).lastrowid
    marks = ", ".join("?" * len(UTTERANCE_COLUMNS))
    db.conn.executemany(
        f"INSERT INTO utterances ({', '.join(UTTERANCE_COLUMNS)}) VALUES ({marks})",
        (utterance_row(u, pass_id, speaker_ids.get(u.speaker)) for u in utterances),
    )
    if any(u.words for u in utterances):
        ids = dict(db.execute("SELECT result_id, id FROM utterances WHERE pass_id = ?", [pass_id]).fetchall())
        db.conn.executemany(
            "INSERT INTO words (utterance_id, position, text, offset_ms, duration_ms, confidence, speaker)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (row for u in utterances if u.words for row in word_rows(ids[u.result_id], u.words)),
        )
    if current:
        make_current(db, conversation_id, pass_id)
    return pass_id


def has_corrections(db: Database, conversation_id: str) -> bool:
    """Return whether the user corrected the text of the current pass."""
    row = db.execute("SELECT 1 FROM utterances u JOIN conversations c ON u.pass_id = c.current_pass_id"
                     " WHERE c.conversation_id = ? AND u.edited IS NOT NULL LIMIT 1", [conversation_id]).fetchone()
    return row is not None


def pass_of(db: Database, conversation_id: str, pass_id: int) -> dict:
    """Return the passes row of a pass of this conversation; raise NotFoundError otherwise."""
    cursor = db.execute("SELECT * FROM passes WHERE id = ? AND conversation_id = ?", [pass_id, conversation_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFoundError(f"Conversation {conversation_id} has no transcription pass {pass_id}.")
    return dict(zip([c[0] for c in cursor.description], row))


def make_current(db: Database, conversation_id: str, pass_id: int) -> None:
    """Return None after making a successful pass the one shown and searched."""
    row = pass_of(db, conversation_id, pass_id)
    if row["status"] != "succeeded":
        raise StoreError(f"Pass {pass_id} did not succeed ({row['status']}), so it cannot be shown.")
    db.execute(
        "UPDATE conversations SET current_pass_id = ?, model = ? WHERE conversation_id = ?",
        [pass_id, row["model"] or "", conversation_id],
    )


def current_pass_id(db: Database, conversation_id: str) -> int:
    """Return the id of the conversation's current pass; raise NotFoundError when it has none."""
    pass_id = conversation_row(db, conversation_id)["current_pass_id"]
    if pass_id is None:
        raise NotFoundError(f"Conversation {conversation_id} has no transcript yet.")
    return pass_id


def edit_display(db: Database, conversation_id: str, result_id: str, display: str) -> TextForms:
    """Return the text forms derived from the user's corrected display text, now stored on the utterance."""
    locale = conversation_row(db, conversation_id)["locale"] or "en-US"
    pass_id = current_pass_id(db, conversation_id)
    forms = forms_from_display(display, locale)
    changed = db.execute(
        """
        UPDATE utterances SET lexical = ?, itn = ?, masked_itn = ?, display = ?, edited = ?
        WHERE pass_id = ? AND result_id = ?
        """,
        [forms.lexical, forms.itn, forms.masked_itn, forms.display, now_text(), pass_id, result_id],
    ).rowcount
    if not changed:
        raise NotFoundError(f"Conversation {conversation_id} has no utterance {result_id}.")
    return forms


def load_conversation(db: Database, conversation_id: str, pass_id: int | None = None) -> Conversation:
    """Return the conversation with the utterances, words and speakers of a pass (the current one by default).

    A phrase the user deleted (core.store.edits.DeletePhrase: its text emptied, so that an undo writes it back) is
    left out, and so is everything made from the conversation: views, exports, speaker times."""
    row = conversation_row(db, conversation_id)
    model = row["model"]
    if pass_id is None:
        pass_id = row["current_pass_id"]
    else:
        model = pass_of(db, conversation_id, pass_id)["model"] or model
    utterances: list[Utterance] = []
    if pass_id is not None:
        # the IN list is walked in id order, so the words primary key yields them sorted (no temp b-tree)
        rows = db.execute(
            """
            SELECT utterance_id, text, offset_ms, duration_ms, confidence, speaker FROM words
            WHERE utterance_id IN (SELECT id FROM utterances WHERE pass_id = ?)
            ORDER BY utterance_id, position
            """,
            [pass_id],
        )
        # positional (Word's field order) because keywords cost a third more on 20,000+ words
        words = {uid: [Word(*row[1:]) for row in group] for uid, group in groupby(rows, key=itemgetter(0))}
        cursor = db.execute(
            """
            SELECT u.*, s.number AS speaker_number FROM utterances u
            LEFT JOIN speakers s ON s.id = u.speaker_id
            WHERE u.pass_id = ? AND u.display != '' ORDER BY u.offset_ms, u.channel, u.id
            """,
            [pass_id],
        )
        columns = [c[0] for c in cursor.description]
        for values in cursor:
            record = dict(zip(columns, values))
            utterances.append(utterance_from_row(record, record["speaker_number"], words.pop(record["id"], [])))
    return Conversation(
        conversation_id=row["conversation_id"],
        title=row["title"],
        created=from_db_time(row["created"]),
        duration_ms=row["duration_ms"],
        source=row["source"],
        locale=row["locale"],
        model=model,
        channels=row["channels"],
        utterances=utterances,
        speakers=speakers_of_pass(db, conversation_id, pass_id),
    )


def list_passes(db: Database, conversation_id: str) -> list[TranscriptionPass]:
    """Return every pass of a conversation, oldest first, marking the current one."""
    current = conversation_row(db, conversation_id)["current_pass_id"]
    rows = db.execute(
        """
        SELECT p.id, p.kind, p.model, p.options, p.status, p.created,
               (SELECT COUNT(*) FROM utterances u WHERE u.pass_id = p.id AND u.display != '')
        FROM passes p WHERE p.conversation_id = ? ORDER BY p.id
        """,
        [conversation_id],
    )
    return [
        TranscriptionPass(
            pass_id=pass_id, conversation_id=conversation_id, kind=kind, model=model, options=json.loads(options),
            status=status, created=from_db_time(created), is_current=pass_id == current, utterance_count=count,
        )
        for pass_id, kind, model, options, status, created, count in rows
    ]


def list_summaries(db: Database, limit: int, offset: int) -> list[ConversationSummary]:
    """Return one summary per conversation, newest first, for a page of the library list."""
    rows = db.execute(
        """
        SELECT c.conversation_id, c.title, c.created, c.duration_ms, c.source, c.locale, c.model,
            (SELECT COUNT(*) FROM speakers s WHERE s.conversation_id = c.conversation_id
                AND (EXISTS (SELECT 1 FROM utterances u WHERE u.speaker_id = s.id AND u.pass_id = c.current_pass_id
                             AND u.display != '')
                     OR NOT EXISTS (SELECT 1 FROM utterances u WHERE u.speaker_id = s.id))),
            (SELECT COUNT(*) FROM utterances u WHERE u.pass_id = c.current_pass_id AND u.display != ''),
            (SELECT j.state FROM jobs j WHERE j.conversation_id = c.conversation_id ORDER BY j.id DESC LIMIT 1)
        FROM conversations c ORDER BY c.created DESC, c.rowid DESC LIMIT ? OFFSET ?
        """,
        [int(limit), int(offset)],
    )
    return [
        ConversationSummary(
            conversation_id=cid, title=title, created=from_db_time(created), duration_ms=duration_ms,
            speaker_count=speakers, utterance_count=utterances, job_state=job_state, source=source,
            locale=locale, model=model,
        )
        for cid, title, created, duration_ms, source, locale, model, speakers, utterances, job_state in rows
    ]
