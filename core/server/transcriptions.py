"""Batch transcriptions made through the API: each source is a library conversation with a queued job.

The service keeps its own table (migration 0004) linking a transcription id to its conversations,
name, description, locale and properties. The status of a transcription is read from its jobs;
deleting one cancels its jobs and hides it at once, and its conversations leave the library once
the jobs have stopped (see `purge`).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from core.audio.decode import probe
from core.errors import AudioError, JobError, NotFoundError, ParleyError
from core.jobs.model import ASYNC, CANCELED, FAILED, NOT_STARTED, RUNNING, SUCCEEDED, Job, JobOptions
from core.jobs.queue import TranscriptionQueue
from core.results import Conversation, new_conversation_id, utc_now
from core.store import Library, NewRecording
from core.store.records import from_db_time, now_text
from core.text.language import locale_for

log = logging.getLogger(__name__)

PURGE_GRACE_S = 3.0  # a canceled job's process is gone within ~1.25 s (worker watch + kill grace)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration_s(text: str | None) -> float | None:
    """Return an ISO-8601 duration ("PT12H", "P1DT30M") in seconds, None for none; raise ValueError if unreadable."""
    if not text:
        return None
    match = _DURATION.match(text.strip().upper())
    if match is None or text.strip().upper() in ("P", "PT"):
        raise ValueError(f"'{text}' is not an ISO-8601 duration like PT12H")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


@dataclass(frozen=True)
class Source:
    """One recording of a transcription: its URL as given, its conversation and that conversation's latest job."""

    position: int
    conversation_id: str
    url: str
    job: Job | None


@dataclass(frozen=True)
class Transcription:
    """A transcription made through the API, with its sources and their jobs."""

    transcription_id: str
    api: str
    name: str
    description: str
    locale: str
    properties: dict
    created: datetime
    last_action: datetime
    sources: list[Source] = field(default_factory=list)

    @property
    def unreadable(self) -> list[dict]:
        """Return the recordings that could not be read when the transcription was made: {position, url, error}."""
        return list(self.properties.get("unreadable", []))

    @property
    def gone(self) -> bool:
        """Return whether nothing of it is left to show: no recording left (their conversations were deleted), or only
        unreadable ones of a transcription that had readable ones too."""
        return not self.sources and (not self.unreadable or len(self.unreadable) < self.properties.get("recordings", 0))

    @property
    def status(self) -> str:
        """Return NotStarted, Running, Succeeded or Failed, from the sources' jobs; with none (every recording
        unreadable) Failed. An unreadable recording is a failure in the report, not a state of the others."""
        states = [s.job.state if s.job else SUCCEEDED for s in self.sources]
        if not states:
            return FAILED
        if RUNNING in states or (NOT_STARTED in states and any(s not in (NOT_STARTED,) for s in states)):
            return RUNNING
        if NOT_STARTED in states:
            return NOT_STARTED
        if all(s in (FAILED, CANCELED) for s in states):
            return FAILED
        return SUCCEEDED

    @property
    def status_message(self) -> str:
        """Return what the caller should know about the status (errors, or the current step)."""
        errors = [u["error"] for u in self.unreadable]
        errors += [s.job.error for s in self.sources if s.job and s.job.state in (FAILED, CANCELED) and s.job.error]
        if errors:
            return " ".join(dict.fromkeys(errors))
        running = [s.job for s in self.sources if s.job and s.job.state == RUNNING]
        if running:
            return f"{running[0].progress}% {running[0].step}".strip()
        return {NOT_STARTED: "Waiting in the queue.", SUCCEEDED: "Transcription succeeded."}.get(self.status, "")

    @property
    def updated(self) -> datetime:
        """Return the time of the last change of the transcription or any of its jobs."""
        times = [self.last_action] + [s.job.last_action for s in self.sources if s.job]
        return max(times)

    @property
    def finished(self) -> datetime | None:
        """Return when the last job ended, or None while any is pending."""
        if any(s.job and s.job.is_pending for s in self.sources):
            return None
        times = [s.job.finished or s.job.last_action for s in self.sources if s.job]
        return max(times) if times else self.last_action


@dataclass(frozen=True)
class NewSource:
    """A recording to transcribe: the URL the caller gave and the local file to read it from."""

    url: str
    path: Path
    cleanup: Path | None = None  # a temporary folder to remove once the library holds its copy


class TranscriptionService:
    """Creates, lists, reads, updates and deletes API transcriptions on one library."""

    def __init__(self, library: Library):
        self.library = library
        self.queue = TranscriptionQueue(library)

    # reading

    def _sources(self, db, transcription_id: str) -> list[Source]:
        rows = db.execute(
            "SELECT position, conversation_id, url FROM api_transcription_sources WHERE transcription_id = ? ORDER BY position",
            [transcription_id],
        ).fetchall()
        sources = []
        for position, conversation_id, url in rows:
            jobs = self.queue.jobs(conversation_id=conversation_id, limit=1)
            sources.append(Source(position, conversation_id, url, jobs[0] if jobs else None))
        return sources

    def _record(self, db, row) -> Transcription:
        tid, api, name, description, locale, properties, created, last_action = row
        return Transcription(
            tid, api, name, description, locale, json.loads(properties or "{}"),
            from_db_time(created), from_db_time(last_action), self._sources(db, tid),
        )

    _COLUMNS = "id, api, name, description, locale, properties, created, last_action"

    def get(self, transcription_id: str, api: str) -> Transcription:
        """Return one transcription of an API; raise NotFoundError when unknown, deleted or of another API."""
        with self.library.reading() as db:
            row = db.execute(
                f"SELECT {self._COLUMNS} FROM api_transcriptions WHERE id = ? AND api = ? AND deleted = 0",
                [transcription_id, api],
            ).fetchone()
            record = self._record(db, row) if row else None
        if record is None or record.gone:
            raise NotFoundError(f"There is no transcription '{transcription_id}'.", "List them with GET transcriptions.")
        return record

    def list(self, api: str, skip: int = 0, take: int = 100) -> tuple[list[Transcription], bool]:
        """Return one page of an API's transcriptions, newest first, and whether more follow."""
        with self.library.reading() as db:
            rows = db.execute(
                f"""SELECT {self._COLUMNS} FROM api_transcriptions t WHERE api = ? AND deleted = 0
                    AND (EXISTS (SELECT 1 FROM api_transcription_sources s WHERE s.transcription_id = t.id)
                         OR json_array_length(t.properties, '$.unreadable') = json_extract(t.properties, '$.recordings'))
                    ORDER BY created DESC, id LIMIT ? OFFSET ?""",
                [api, take + 1, skip],
            ).fetchall()
            records = [self._record(db, row) for row in rows[:take]]
        return records, len(rows) > take

    # writing

    def create(
        self, api: str, sources: list[NewSource], *, name: str, description: str, locale: str,
        properties: dict, options: JobOptions, keep_unreadable: bool = False,
    ) -> Transcription:
        """Return a new transcription whose recordings are stored as conversations and queued for transcription.

        The recordings are copied into the library first; then their conversations, the API record
        and every job are committed in one transaction, so no reader (the desktop library, another
        request) and no killed server ever sees a conversation without its job or its transcription.
        A recording that cannot be read raises its AudioError, or with `keep_unreadable` (Azure v3, as
        the service does) is a failed entry of the transcription while the others are transcribed.
        """
        transcription_id = str(uuid.uuid4())
        try:
            readable, unreadable = [], []
            for position, source in enumerate(sources):
                try:
                    readable.append((position, source, self._new_recording(source, name, locale, options)))
                except AudioError as exc:
                    if not keep_unreadable:
                        raise
                    unreadable.append({"position": position, "url": source.url, "error": exc.user_message()})
            if unreadable:
                properties = properties | {"unreadable": unreadable, "recordings": len(sources)}
            now = now_text()
            with self.library.adding_conversations([recording for *_, recording in readable]) as db:
                db.execute(
                    "INSERT INTO api_transcriptions (id, api, name, description, locale, properties, created, last_action)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [transcription_id, api, name, description or "", locale, json.dumps(properties), now, now],
                )
                for position, source, recording in readable:
                    conversation_id = recording.conversation.conversation_id
                    db.execute(
                        "INSERT INTO api_transcription_sources (transcription_id, position, conversation_id, url) VALUES (?, ?, ?, ?)",
                        [transcription_id, position, conversation_id, source.url],
                    )
                    self.queue.enqueue(conversation_id, options, mode=ASYNC)
        finally:
            for source in sources:
                if source.cleanup is not None:
                    shutil.rmtree(source.cleanup, ignore_errors=True)
        return self.get(transcription_id, api)

    @staticmethod
    def _new_recording(source: NewSource, name: str, locale: str, options: JobOptions) -> NewRecording:
        info = probe(source.path)
        conversation = Conversation(
            conversation_id=new_conversation_id(), title=name or source.path.stem, created=utc_now(),
            duration_ms=info.duration_ms, source=source.url, locale=locale or locale_for(None, options.language),
            model=options.model, channels=info.channels,
        )
        return NewRecording(conversation, source.path, channels=info.channels, duration_ms=info.duration_ms)

    def update(self, transcription_id: str, api: str, *, name: str | None = None, description: str | None = None,
               properties: dict | None = None) -> Transcription:
        """Return the transcription with a new name, description or extra properties."""
        record = self.get(transcription_id, api)
        merged = dict(record.properties)
        merged.update(properties or {})
        with self.library.transaction() as db:
            db.execute(
                "UPDATE api_transcriptions SET name = ?, description = ?, properties = ?, last_action = ? WHERE id = ?",
                [record.name if name is None else name, record.description if description is None else description,
                 json.dumps(merged), now_text(), transcription_id],
            )
            if name:
                for source in record.sources:
                    db.execute("UPDATE conversations SET title = ? WHERE conversation_id = ?", [name, source.conversation_id])
        return self.get(transcription_id, api)

    def delete(self, transcription_id: str, api: str) -> None:
        """Return None after canceling the transcription's jobs and hiding it; its conversations go once the jobs stop."""
        record = self.get(transcription_id, api)
        for source in record.sources:
            if source.job is not None and source.job.is_pending:
                try:
                    self.queue.cancel(source.job.job_id)
                except JobError:
                    pass  # it ended meanwhile
        with self.library.transaction() as db:
            db.execute("UPDATE api_transcriptions SET deleted = 1, last_action = ? WHERE id = ?", [now_text(), transcription_id])
        self.purge()

    def purge(self, now: datetime | None = None) -> int:
        """Return how many transcriptions were removed: deleted or expired ones whose jobs have stopped."""
        now = now or datetime.now(timezone.utc)
        with self.library.reading() as db:
            rows = db.execute(f"SELECT {self._COLUMNS}, deleted FROM api_transcriptions").fetchall()
            records = [(self._record(db, row[:-1]), bool(row[-1])) for row in rows]
        removed = 0
        for record, deleted in records:
            finished = record.finished
            ttl = record.properties.get("timeToLiveSeconds")
            expired = finished is not None and ttl is not None and finished + timedelta(seconds=float(ttl)) <= now
            if not (deleted or expired or record.gone):
                continue
            if expired and not deleted:
                for source in record.sources:
                    if source.job is not None and source.job.is_pending:
                        self.queue.cancel(source.job.job_id)
            if finished is None or finished + timedelta(seconds=PURGE_GRACE_S) > now:
                continue  # wait until no job process can still be writing
            for source in record.sources:
                try:
                    self.library.delete_conversation(source.conversation_id)
                except NotFoundError:
                    pass
                except ParleyError as exc:
                    log.warning("transcription %s: cannot delete conversation %s yet: %s", record.transcription_id, source.conversation_id, exc)
            with self.library.transaction() as db:
                db.execute("DELETE FROM api_transcriptions WHERE id = ?", [record.transcription_id])
            removed += 1
        return removed

    def conversation(self, source: Source) -> Conversation:
        """Return the current transcript of one source's conversation."""
        return self.library.get_conversation(source.conversation_id)
