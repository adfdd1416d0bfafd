"""Conversations stored for tests: the real recording copied into a real library."""

from __future__ import annotations

from pathlib import Path

from core.results import Conversation, new_conversation_id, utc_now
from core.store import Library


def store_recording(library: Library, path, title: str = "sample", duration_ms: int = 30_000) -> str:
    """Return the id of a new conversation without transcript holding a copy of the recording."""
    conversation = Conversation(
        conversation_id=new_conversation_id(), title=title, created=utc_now(), duration_ms=duration_ms,
        source=str(path), locale="en-US", model="", channels=1,
    )
    library.create_conversation(conversation)
    library.add_audio(conversation.conversation_id, path)
    return conversation.conversation_id


def look_from_another_connection(library_path):
    """Return what a second reader (the GUI, another process) sees: a (title, job count, recording count) row per conversation."""
    with Library.open(library_path) as other, other.reading() as db:
        return db.execute(
            "SELECT title, (SELECT COUNT(*) FROM jobs j WHERE j.conversation_id = c.conversation_id),"
            " (SELECT COUNT(*) FROM audio_sources a WHERE a.conversation_id = c.conversation_id)"
            " FROM conversations c ORDER BY title"
        ).fetchall()


def look_at_every_insert(library: Library, library_path, tables) -> list:
    """Return the list that gets, at every row inserted into `tables` through `library`, what a second connection sees then.

    SQLite temp triggers call a Python function while the writer is still inside its transaction.
    """
    seen: list = []
    library.db.conn.create_function("look", 0, lambda: seen.append(look_from_another_connection(library_path)))
    for table in tables:
        library.db.execute(f"CREATE TEMP TRIGGER look_{table} AFTER INSERT ON main.{table} BEGIN SELECT look(); END")
    return seen


def unfinished_folder(home: Path, pid: int, cid: str = "00000000-0000-4000-8000-000000000001",
                      pid_started: float | None = None, seconds: float = 1.0) -> Path:
    """Return the folder of a live recording whose process (`pid`) ended without storing it: its journal and audio."""
    import numpy as np

    from core.audio.recorder import Recorder
    from core.live import journal

    folder = home / "audio" / cid
    info = journal.SessionInfo(conversation_id=cid, title="Left over", started=utc_now(), pid=pid,
                               source="live: microphone: test", model="tiny.en", locale="en-US", pid_started=pid_started)
    journal.SessionJournal(folder, info).close()
    with Recorder(folder / journal.AUDIO_FILE) as recorder:
        recorder.write(np.zeros(int(16_000 * seconds), np.float32))
    return folder
