"""The conversation library: the one facade that owns the SQLite file.

Everything the GUI or a script does with stored conversations goes through `Library`:
saving transcripts (each transcription is a pass; the newest is current, older ones are
kept), reading them back, listing, searching, editing speakers and text, and the recordings
behind them. One connection per Library, shared by threads under a lock; writes take the
write lock up front so the GUI and a worker process queue rather than collide.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from core.audio.wav_header import complete_header
from core.errors import JobError, StoreError
from core.paths import audio_dir, library_path
from core.results import Conversation, Speaker, TextForms, Utterance
from core.store import audio, edits, speakers, transcripts
from core.store.connection import Guard, check_library_file, connect, connect_read_only, translate
from core.store.edits import Correction, Edit, Place
from core.store.records import AudioSource, ConversationSummary, NewRecording, SearchHit, TranscriptionPass, now_text
from core.store.schema import MIGRATIONS, applied_migrations, apply_migrations
from core.store.search import search_utterances

log = logging.getLogger(__name__)
MIN_ID_PREFIX = 4  # the least of an id that names a conversation (as git takes a short hash)


class Library:
    """The conversation library on disk: conversations, passes, speakers, search, audio and jobs."""

    def __init__(self, db: Database, path: Path):
        self._guard = Guard(db, path)
        self._closed = False

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = False) -> "Library":
        """Return the library at `path` (default: core.paths.library_path()), created or upgraded as needed.

        With `read_only` an existing library is opened for reading only (a full disk, a read-only
        folder): nothing is created or upgraded, and every write raises StoreError.
        """
        path = Path(path).expanduser() if path is not None else library_path()
        if read_only:
            return cls._open_read_only(path)
        check_library_file(path)
        db = connect(path)
        try:
            applied = apply_migrations(db)
            known = {name for name, _ in MIGRATIONS}
            newer = [name for name in applied_migrations(db) if name not in known]
        except sqlite3.Error as exc:
            db.close()
            raise translate(exc, path) from exc
        except BaseException:
            db.close()
            raise
        if applied:
            log.info("library %s upgraded: %s", path, ", ".join(applied))
        if newer:
            log.warning("library %s was upgraded by a newer Parley (%s)", path, ", ".join(newer))
        return cls(db, path)

    @classmethod
    def _open_read_only(cls, path: Path) -> "Library":
        db = connect_read_only(path)
        try:
            missing = [name for name, _ in MIGRATIONS if name not in set(applied_migrations(db))]
        except sqlite3.Error as exc:
            db.close()
            raise translate(exc, path) from exc
        if missing:
            db.close()
            raise StoreError(f"The library {path} was made by an older Parley and must be upgraded before it can be read.",
                             hint="Open it once where it can be written (free disk space, a writable folder).")
        return cls(db, path)

    @property
    def path(self) -> Path:
        """Return the path of the library file."""
        return self._guard.path

    @property
    def db(self) -> Database:
        """Return the sqlite-utils Database (for core.store and core.jobs; hold `transaction()` to write)."""
        return self._guard.db

    def close(self) -> None:
        """Return None after closing the connection (further calls raise StoreError)."""
        with self._guard.lock:
            if self._closed:
                return
            self._closed = True
            try:
                self.db.execute("PRAGMA optimize")
            except sqlite3.Error as exc:
                log.debug("PRAGMA optimize failed on close: %s", exc)
            self.db.close()

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Database]:
        """Yield the database inside one serialised write transaction (rolled back if the block raises).

        Library methods called inside it join the transaction; their file side effects do not:
        delete_conversation removes audio copies at once, even if the block is rolled back later.
        """
        self._check_open()
        with self._guard.writing() as db:
            yield db

    @contextlib.contextmanager
    def reading(self) -> Iterator[Database]:
        """Yield the database for reads that see one consistent snapshot (no write lock taken)."""
        self._check_open()
        with self._guard.reading() as db:
            yield db

    _reading = reading

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"The library {self.path} is closed.", hint="Open it again.")

    def applied_migrations(self) -> list[str]:
        """Return the names of the schema migrations this library has had, oldest first."""
        with self._reading() as db:
            return applied_migrations(db)

    # conversations and passes

    def create_conversation(self, conversation: Conversation) -> str:
        """Return the id of a new conversation without a transcript yet (its named speakers are kept)."""
        if conversation.utterances:
            raise ValueError("create_conversation stores no utterances; use save_conversation or add_pass")
        with self.transaction() as db:
            return transcripts.insert_conversation(db, conversation)

    def add_pass(
        self,
        conversation_id: str,
        utterances: list[Utterance],
        speakers: dict[int, Speaker] | None = None,
        *,
        kind: str,
        model: str,
        options: dict | None = None,
        current: bool = True,
    ) -> int:
        """Return the id of a new transcription pass of the conversation; it becomes the current one if `current`."""
        with self.transaction() as db:
            return transcripts.insert_pass(
                db, conversation_id, list(utterances), speakers, kind=kind, model=model, options=options, current=current
            )

    def has_corrections(self, conversation_id: str) -> bool:
        """Return whether the user corrected the text of the conversation's current transcript."""
        with self._reading() as db:
            return transcripts.has_corrections(db, conversation_id)

    def save_conversation(self, conversation: Conversation, *, kind: str = "file", options: dict | None = None) -> str:
        """Return the id of a conversation stored with its transcript as the first pass (one transaction)."""
        with self.transaction() as db:
            conversation_id = transcripts.insert_conversation(db, conversation)
            transcripts.insert_pass(
                db, conversation_id, list(conversation.utterances), conversation.speakers,
                kind=kind, model=conversation.model, options=options,
            )
            return conversation_id

    def resolve_conversation_id(self, given: str) -> str:
        """Return the id of the conversation `given` names: its whole id, or (from MIN_ID_PREFIX characters) the
        start of one id only, as `parley conversations list` prints them; raise StoreError when several begin so.

        What names nothing is returned as it is, for the lookup that follows to say so."""
        if len(given) < MIN_ID_PREFIX:
            return given
        with self._reading() as db:  # one query: the whole id first, if it is one
            rows = db.execute("SELECT conversation_id FROM conversations WHERE substr(conversation_id, 1, ?) = ? "
                              "ORDER BY conversation_id = ? DESC LIMIT 2", [len(given), given, given]).fetchall()
        if rows and rows[0][0] == given:
            return given
        if len(rows) > 1:
            raise StoreError(f"More than one conversation id begins with '{given}'.",
                             hint="Give more of the id (see `parley conversations list`).")
        return rows[0][0] if rows else given

    def existing(self, conversation_ids: Iterable[str]) -> set[str]:
        """Return which of the given conversation ids are in the library."""
        ids = json.dumps(sorted(set(conversation_ids)))
        with self._reading() as db:
            return {cid for (cid,) in db.execute(
                "SELECT conversation_id FROM conversations WHERE conversation_id IN (SELECT value FROM json_each(?))", [ids])}

    def get_conversation(self, conversation_id: str, pass_id: int | None = None) -> Conversation:
        """Return a conversation with the utterances, words and speakers of a pass (the current one by default)."""
        with self._reading() as db:
            return transcripts.load_conversation(db, conversation_id, pass_id)

    def passes(self, conversation_id: str) -> list[TranscriptionPass]:
        """Return the conversation's transcription passes, oldest first, the current one marked."""
        with self._reading() as db:
            return transcripts.list_passes(db, conversation_id)

    def set_current_pass(self, conversation_id: str, pass_id: int) -> None:
        """Return None after making an older (or newer) pass the one shown and searched."""
        with self.transaction() as db:
            transcripts.make_current(db, conversation_id, pass_id)

    def delete_passes(self, conversation_id: str, *, kind: str) -> int:
        """Return how many passes of one kind were deleted; the newest remaining successful pass becomes current."""
        with self.transaction() as db:
            row = transcripts.conversation_row(db, conversation_id)
            doomed = [p for p in transcripts.list_passes(db, conversation_id) if p.kind == kind]
            keep = [p for p in transcripts.list_passes(db, conversation_id) if p.kind != kind and p.status == "succeeded"]
            if row["current_pass_id"] in {p.pass_id for p in doomed}:
                if keep:
                    transcripts.make_current(db, conversation_id, keep[-1].pass_id)
                else:
                    db.execute("UPDATE conversations SET current_pass_id = NULL WHERE conversation_id = ?", [conversation_id])
            for p in doomed:
                db.execute("DELETE FROM passes WHERE id = ?", [p.pass_id])
            return len(doomed)

    def list_conversations(self, limit: int = 100, offset: int = 0) -> list[ConversationSummary]:
        """Return summaries of the conversations, newest first, one page at a time."""
        with self._reading() as db:
            return transcripts.list_summaries(db, limit, offset)

    def conversation_count(self) -> int:
        """Return how many conversations the library holds."""
        with self._reading() as db:
            return db.execute("SELECT COUNT(*) FROM conversations").fetchone()[0]

    def search(self, query: str, limit: int = 50, *, markers: tuple[str, str] = ("[", "]"),
               profanity: str = "Masked") -> list[SearchHit]:
        """Return the utterances of current transcripts that match the query, newest first, with marked snippets
        (their profanity shown as the mode says: Masked by default, as the transcripts show it)."""
        with self._reading() as db:
            return search_utterances(db, query, limit, markers, profanity)

    def rename_conversation(self, conversation_id: str, title: str) -> None:
        """Return None after giving the conversation a new title."""
        title = " ".join((title or "").split())
        if not title:
            raise StoreError("A conversation needs a title.", hint="Type at least one character.")
        with self.transaction() as db:
            transcripts.conversation_row(db, conversation_id)
            db.execute("UPDATE conversations SET title = ? WHERE conversation_id = ?", [title, conversation_id])

    def delete_conversation(self, conversation_id: str) -> None:
        """Return None after deleting the conversation's rows and the audio copies the library made."""
        with self.transaction() as db:
            row = transcripts.conversation_row(db, conversation_id)
            running = db.execute(
                "SELECT id FROM jobs WHERE conversation_id = ? AND state = 'Running'", [conversation_id]
            ).fetchone()
            if running:
                raise JobError(
                    f"“{row['title']}” is being transcribed (job {running[0]}), so it cannot be deleted now.",
                    hint="Cancel the job or wait for it to finish, then delete the conversation.",
                )
            sources = audio.list_sources(db, conversation_id)
            db.execute("DELETE FROM conversations WHERE conversation_id = ?", [conversation_id])
        audio.remove_copies(sources, audio_dir())

    # speakers and text

    def rename_speaker(self, conversation_id: str, number: int, name: str | None) -> None:
        """Return None after naming speaker `number` (an empty name restores the Guest-N label)."""
        with self.transaction() as db:
            transcripts.conversation_row(db, conversation_id)
            speakers.rename_speaker(db, conversation_id, number, name)

    def merge_speakers(self, conversation_id: str, keep: int, absorb: int) -> int:
        """Return how many utterances moved from speaker `absorb` to `keep`, which remains alone."""
        with self.transaction() as db:
            transcripts.conversation_row(db, conversation_id)
            return speakers.merge_speakers(db, conversation_id, keep, absorb)

    def reassign_utterance(self, conversation_id: str, result_id: str, speaker_number: int) -> None:
        """Return None after giving one utterance of the current pass to a speaker (created if new)."""
        with self.transaction() as db:
            pass_id = transcripts.current_pass_id(db, conversation_id)
            speakers.reassign_utterance(db, conversation_id, pass_id, result_id, speaker_number)

    def edit_utterance(self, conversation_id: str, result_id: str, display_text: str) -> TextForms:
        """Return the new text forms of an utterance of the current pass after the user corrected its text."""
        with self.transaction() as db:
            return transcripts.edit_display(db, conversation_id, result_id, display_text)

    def correct(self, conversation_id: str, correction: Correction, description: str) -> tuple[Any, Edit]:
        """Return what the correction's method above returns and the Edit it made, which undo_edit and redo_edit
        take back and make again. Only the rows the correction can reach are read, before and after, in one transaction."""
        with self.transaction() as db:
            transcripts.conversation_row(db, conversation_id)
            reach = edits.reach(db, conversation_id, **correction.reach())
            before = edits.edit_state(db, conversation_id, reach)
            result = correction.apply(self, conversation_id)
            return result, edits.between(conversation_id, description, before, edits.edit_state(db, conversation_id, reach))

    def undo_edit(self, edit: Edit) -> Place | None:
        """Return where the edit changed a phrase (edits.place; None for names) after putting back what it changed
        (EditConflict, changing nothing, if it has changed since)."""
        with self.transaction() as db:
            transcripts.conversation_row(db, edit.conversation_id)
            edits.restore(db, edit, undo=True)
            return edits.place(db, edit)

    def redo_edit(self, edit: Edit) -> Place | None:
        """Return where the edit changed a phrase (edits.place; None for names) after making it again, once undone
        (EditConflict, changing nothing, if it has changed since)."""
        with self.transaction() as db:
            transcripts.conversation_row(db, edit.conversation_id)
            edits.restore(db, edit, undo=False)
            return edits.place(db, edit)

    # recordings

    def add_audio(
        self,
        conversation_id: str,
        source_path: str | Path,
        *,
        copy: bool = True,
        channels: int | None = None,
        duration_ms: int | None = None,
    ) -> AudioSource:
        """Return the recording added to a conversation: copied under audio_dir()/id/ or referenced in place."""
        with self._reading() as db:
            transcripts.conversation_row(db, conversation_id)
        placed = self._place_audio(conversation_id, source_path, copy=copy, channels=channels, duration_ms=duration_ms)
        try:
            with self.transaction() as db:
                transcripts.conversation_row(db, conversation_id)
                return self._insert_audio(db, conversation_id, placed)
        except BaseException:
            placed.discard()
            raise

    @contextlib.contextmanager
    def adding_conversation(
        self,
        conversation: Conversation,
        recording: str | Path,
        *,
        copy: bool = True,
        channels: int | None = None,
        duration_ms: int | None = None,
        kind: str = "file",
        options: dict | None = None,
    ) -> Iterator[Database]:
        """Yield inside the one transaction that stores a new conversation with its recording (see adding_conversations)."""
        new = NewRecording(conversation, recording, channels=channels, duration_ms=duration_ms)
        with self.adding_conversations([new], copy=copy, kind=kind, options=options) as db:
            yield db

    @contextlib.contextmanager
    def adding_conversations(
        self, recordings: list[NewRecording], *, copy: bool = True, kind: str = "file", options: dict | None = None
    ) -> Iterator[Database]:
        """Yield inside the one transaction that stores new conversations with their recordings.

        The recordings are copied first, outside any transaction, so a long copy holds no lock.
        Then the conversations, their transcripts when they have utterances, their recordings and
        whatever the caller writes in the block (their transcription jobs) are committed together
        or not at all, and the copies are removed again if they are not. No reader and no killed
        process ever sees a conversation without its recording or its job.
        """
        placed: list[audio.PlacedAudio] = []
        try:
            for new in recordings:
                if not new.conversation.conversation_id:
                    raise ValueError("adding_conversations needs each conversation's id (it names the audio folder)")
                placed.append(self._place_audio(new.conversation.conversation_id, new.path, copy=copy,
                                                channels=new.channels, duration_ms=new.duration_ms))
            with self.transaction() as db:
                for new, where in zip(recordings, placed):
                    conversation = new.conversation
                    transcripts.insert_conversation(db, conversation)
                    if conversation.utterances:
                        transcripts.insert_pass(
                            db, conversation.conversation_id, list(conversation.utterances), conversation.speakers,
                            kind=kind, model=conversation.model, options=options,
                        )
                    self._insert_audio(db, conversation.conversation_id, where)
                yield db
        except BaseException:
            for where in placed:
                where.discard()
            raise

    def _place_audio(
        self, conversation_id: str, source_path: str | Path, *, copy: bool, channels: int | None, duration_ms: int | None
    ) -> audio.PlacedAudio:
        source = audio.check_source_file(Path(source_path))
        if channels is None or duration_ms is None:
            probed_channels, probed_ms = audio.probe_audio(source)
            channels = probed_channels if channels is None else channels
            duration_ms = probed_ms if duration_ms is None else duration_ms
        if not copy:
            return audio.PlacedAudio(source, audio.sha256_of(source), int(channels), int(duration_ms), copied=False)
        folder = audio.conversation_audio_dir(audio_dir(), conversation_id)
        try:
            path, sha256 = audio.copy_into(source, folder)
        except OSError as exc:
            raise StoreError(f"Cannot copy the recording {source} into {folder}: {exc.strerror or exc}.") from exc
        try:
            if complete_header(path):  # a WAV whose header said less than it holds: every player reads all of it
                sha256 = audio.sha256_of(path)
        except BaseException as exc:
            path.unlink(missing_ok=True)  # not placed yet: nothing else would remove it
            if isinstance(exc, OSError):
                raise StoreError(f"Cannot complete the copy of {source} in {folder}: {exc.strerror or exc}.") from exc
            raise
        return audio.PlacedAudio(path, sha256, int(channels), int(duration_ms), copied=True)

    @staticmethod
    def _insert_audio(db: Database, conversation_id: str, placed: audio.PlacedAudio) -> AudioSource:
        source_id = db.execute(
            """
            INSERT INTO audio_sources (conversation_id, path, channels, duration_ms, sha256, copied, added)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [conversation_id, str(placed.path), placed.channels, placed.duration_ms, placed.sha256, int(placed.copied), now_text()],
        ).lastrowid
        row = db.execute(f"SELECT {audio.COLUMNS} FROM audio_sources WHERE id = ?", [source_id]).fetchone()
        return audio.source_from_row(row)

    def audio_sources(self, conversation_id: str) -> list[AudioSource]:
        """Return the recordings of a conversation (present or not; see AudioSource.exists)."""
        with self._reading() as db:
            transcripts.conversation_row(db, conversation_id)
            return audio.list_sources(db, conversation_id)

    def audio_path(self, conversation_id: str) -> Path:
        """Return the path of the conversation's recording; raise AudioNotFoundError when the file is gone."""
        with self._reading() as db:
            title = transcripts.conversation_row(db, conversation_id)["title"]
            sources = audio.list_sources(db, conversation_id)
        return audio.existing_audio(sources, title).path
