"""The persistent re-transcription queue: jobs live in the library file, so none is ever lost.

State machine: NotStarted → Running → Succeeded | Failed, and Canceled from either of the
first two. A job is claimed in one UPDATE ... RETURNING statement inside a write transaction,
so two workers can never take the same job. Jobs left Running by a process that died are
found by `recover()` on start-up and queued again (or failed after `max_attempts`).
"""

from __future__ import annotations

import logging
import os
from typing import Any

from core.errors import Canceled, JobError, NotFoundError
from core.jobs.model import (
    ASYNC,
    CANCELED,
    FAILED,
    MODES,
    NOT_STARTED,
    PENDING_STATES,
    RUNNING,
    SUCCEEDED,
    Job,
    JobOptions,
)
from core.store import Library
from core.store.records import from_db_time, now_text

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
_COLUMNS = (
    "id, conversation_id, state, mode, options, progress, step, error, attempts, worker_pid, "
    "created, last_action, started, finished"
)


def _job(row: Any) -> Job:
    (job_id, conversation_id, state, mode, options, progress, step, error, attempts, pid, created, last, started, finished) = row
    return Job(
        job_id=job_id,
        conversation_id=conversation_id,
        state=state,
        mode=mode,
        options=JobOptions.from_json(options),
        progress=progress,
        step=step,
        error=error,
        attempts=attempts,
        worker_pid=pid,
        created=from_db_time(created),
        last_action=from_db_time(last),
        started=from_db_time(started) if started else None,
        finished=from_db_time(finished) if finished else None,
    )


def process_alive(pid: int | None, started: float | None = None) -> bool:
    """Return whether a process with this id exists on this machine (and, given `started`, is the one
    that began then: after a reboot or a container restart the id may belong to another process)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if _zombie(pid):  # killed, and not yet waited for by its parent: it runs nothing and holds nothing
        return False
    if started is None:
        return True
    began = process_started(pid)
    return began is None or abs(began - started) < 1.0


def _zombie(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except (psutil.Error, OSError):
        return False


def process_started(pid: int) -> float | None:
    """Return when the process began (seconds since the epoch), None when that cannot be told."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


class TranscriptionQueue:
    """The jobs of one library: enqueue, claim, report progress, finish, cancel, retry, recover."""

    def __init__(self, library: Library):
        self.library = library

    def _one(self, db, job_id: int) -> Job:
        row = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE id = ?", [job_id]).fetchone()
        if row is None:
            raise NotFoundError(f"There is no job {job_id}.")
        return _job(row)

    def enqueue(self, conversation_id: str, options: JobOptions | None = None, *, mode: str = ASYNC) -> Job:
        """Return the pending job that will (re)transcribe the conversation, creating it unless one waits already."""
        if mode not in MODES:
            raise JobError(f"Unknown transcription mode '{mode}'.", f"Use {' or '.join(MODES)}.")
        options = options or JobOptions()
        with self.library.transaction() as db:
            row = db.execute("SELECT title FROM conversations WHERE conversation_id = ?", [conversation_id]).fetchone()
            if row is None:
                raise NotFoundError(f"There is no conversation {conversation_id}.")
            if db.execute("SELECT 1 FROM audio_sources WHERE conversation_id = ?", [conversation_id]).fetchone() is None:
                raise JobError(f"The conversation “{row[0]}” was stored without a recording: there is nothing to transcribe "
                               "again.", "Its transcript is all there is of it; export or edit it as it is.")
            pending = db.execute(
                f"SELECT {_COLUMNS} FROM jobs WHERE conversation_id = ? AND state IN (?, ?) ORDER BY id LIMIT 1",
                [conversation_id, *PENDING_STATES],
            ).fetchone()
            if pending is not None:
                return _job(pending)
            now = now_text()
            job_id = db.execute(
                "INSERT INTO jobs (conversation_id, state, mode, options, created, last_action) VALUES (?, ?, ?, ?, ?, ?)",
                [conversation_id, NOT_STARTED, mode, options.to_json(), now, now],
            ).lastrowid
            return self._one(db, job_id)

    def job(self, job_id: int) -> Job:
        """Return one job by id."""
        with self.library.reading() as db:
            return self._one(db, job_id)

    def jobs(self, *, conversation_id: str | None = None, limit: int = 200) -> list[Job]:
        """Return jobs newest first, optionally only those of one conversation."""
        where, params = ("WHERE conversation_id = ?", [conversation_id]) if conversation_id else ("", [])
        with self.library.reading() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM jobs {where} ORDER BY id DESC LIMIT ?", [*params, limit]).fetchall()
        return [_job(row) for row in rows]

    def claim(self, worker_pid: int | None = None) -> Job | None:
        """Return the oldest waiting job, now Running for this worker, or None when none waits."""
        now = now_text()
        with self.library.transaction() as db:
            # fetchall, not fetchone: an unfinished RETURNING statement would keep the commit from happening
            rows = db.execute(
                f"""
                UPDATE jobs SET state = ?, worker_pid = ?, attempts = attempts + 1, progress = 0,
                    step = 'starting', error = NULL, started = ?, last_action = ?
                WHERE id = (SELECT id FROM jobs WHERE state = ? ORDER BY id LIMIT 1)
                RETURNING {_COLUMNS}
                """,
                [RUNNING, worker_pid or os.getpid(), now, now, NOT_STARTED],
            ).fetchall()
        return _job(rows[0]) if rows else None

    def report(self, job_id: int, progress: int, step: str, *, worker_pid: int | None = None) -> None:
        """Return None after recording progress; raise Canceled when the job was canceled meanwhile.

        With `worker_pid`, also when the job is no longer that worker's: it was recovered from a
        dead worker and claimed again, and the process reporting is an orphan that must stop.
        """
        with self.library.transaction() as db:
            row = db.execute("SELECT state, worker_pid FROM jobs WHERE id = ?", [job_id]).fetchone()
            if row is None or row[0] != RUNNING:
                raise Canceled(f"Job {job_id} was canceled.")
            if worker_pid is not None and row[1] != worker_pid:
                raise Canceled(f"Job {job_id} now belongs to worker {row[1]}, not {worker_pid}.")
            db.execute(
                "UPDATE jobs SET progress = ?, step = ?, last_action = ? WHERE id = ?",
                [max(0, min(100, int(progress))), step, now_text(), job_id],
            )

    def _finish(self, job_id: int, state: str, error: str | None, *, only_if_running: bool = True) -> Job:
        now = now_text()
        with self.library.transaction() as db:
            guard = " AND state = 'Running'" if only_if_running else ""
            db.execute(
                f"UPDATE jobs SET state = ?, error = ?, finished = ?, last_action = ?,"
                f" progress = CASE WHEN ? = 'Succeeded' THEN 100 ELSE progress END WHERE id = ?{guard}",
                [state, error, now, now, state, job_id],
            )
            return self._one(db, job_id)

    def succeed(self, job_id: int) -> Job:
        """Return the job marked Succeeded (unless it was canceled first)."""
        return self._finish(job_id, SUCCEEDED, None)

    def fail(self, job_id: int, error: str) -> Job:
        """Return the job marked Failed with a message for the user (unless it was canceled first)."""
        return self._finish(job_id, FAILED, error)

    def cancel(self, job_id: int) -> Job:
        """Return the job canceled; a running one is stopped by its worker within a second or two."""
        with self.library.transaction() as db:
            job = self._one(db, job_id)
            if job.is_finished:
                raise JobError(f"Job {job_id} has already ended ({job.state}); there is nothing to cancel.")
        return self._finish(job_id, CANCELED, "Canceled by the user.", only_if_running=False)

    def retry(self, job_id: int) -> Job:
        """Return the failed or canceled job queued again from the start."""
        with self.library.transaction() as db:
            job = self._one(db, job_id)
            if job.state not in (FAILED, CANCELED):
                raise JobError(f"Job {job_id} is {job.state}; only failed or canceled jobs can be retried.")
            others = db.execute(
                "SELECT id FROM jobs WHERE conversation_id = ? AND state IN (?, ?) AND id != ?",
                [job.conversation_id, *PENDING_STATES, job_id],
            ).fetchone()
            if others:
                raise JobError(f"Conversation {job.conversation_id} already has job {others[0]} waiting or running.")
            db.execute(
                "UPDATE jobs SET state = ?, attempts = 0, progress = 0, step = '', error = NULL, worker_pid = NULL,"
                " started = NULL, finished = NULL, last_action = ? WHERE id = ?",
                [NOT_STARTED, now_text(), job_id],
            )
            return self._one(db, job_id)

    def recover(self, max_attempts: int = MAX_ATTEMPTS) -> list[Job]:
        """Return the jobs found Running under a dead process, now queued again or failed after max_attempts."""
        recovered = []
        with self.library.transaction() as db:
            rows = db.execute(f"SELECT {_COLUMNS} FROM jobs WHERE state = ?", [RUNNING]).fetchall()
            for job in map(_job, rows):
                if process_alive(job.worker_pid) and job.worker_pid != os.getpid():
                    continue
                if job.attempts >= max_attempts:
                    state, error = FAILED, f"The transcription stopped unexpectedly {job.attempts} times; giving up."
                else:
                    state, error = NOT_STARTED, None
                log.warning("job %s was left running by process %s: now %s", job.job_id, job.worker_pid, state)
                db.execute(
                    "UPDATE jobs SET state = ?, error = ?, worker_pid = NULL, last_action = ? WHERE id = ?",
                    [state, error, now_text(), job.job_id],
                )
                recovered.append(self._one(db, job.job_id))
        return recovered
