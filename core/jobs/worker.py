"""The worker: claims queued jobs and runs each in its own process, which it watches.

The worker never runs a model itself. It starts one job process per claimed job (up to
`max_parallel`), checks the queue a few times a second, stops a canceled job's process
(SIGTERM, then SIGKILL after a second: well within 2 s), and fails a job whose process died
without finishing it (a crash or an out-of-memory kill). On start it recovers jobs that a
killed worker left Running.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.errors import NotFoundError
from core.jobs.lifeline import module_command
from core.jobs.model import CANCELED, RUNNING
from core.jobs.queue import MAX_ATTEMPTS, TranscriptionQueue
from core.store import Library

log = logging.getLogger(__name__)

WATCH_INTERVAL_S = 0.25
KILL_GRACE_S = 1.0


@dataclass
class _Running:
    job_id: int
    process: subprocess.Popen
    term_sent: float | None = None


class Worker:
    """Runs the library's queued jobs, one process each, until stopped (or idle, with once=True)."""

    def __init__(self, library_path: Path | None = None, *, max_parallel: int = 1, poll_interval: float = 1.0, max_attempts: int = MAX_ATTEMPTS):
        self.library_path = Path(library_path) if library_path else paths.library_path()
        self.max_parallel = max(1, max_parallel)
        self.poll_interval = poll_interval
        self.max_attempts = max_attempts
        self.stop_event = threading.Event()
        self._running: list[_Running] = []

    def _start(self, job_id: int) -> _Running:
        command = module_command("core.jobs.runner", str(self.library_path), str(job_id), str(os.getpid()))
        log.info("job %s: starting %s", job_id, " ".join(command))
        return _Running(job_id, subprocess.Popen(command, env=dict(os.environ), start_new_session=False))

    def _watch(self, queue: TranscriptionQueue) -> None:
        still = []
        for item in self._running:
            code = item.process.poll()
            try:
                job = queue.job(item.job_id)
            except NotFoundError:  # deleted with its conversation: nothing is left to save
                job = None
            if code is None:
                if job is None or job.state == CANCELED:
                    self._stop(item)
                still.append(item)
                continue
            if job is not None and job.state == RUNNING:
                how = f"signal {-code}" if code < 0 else f"exit status {code}"
                hint = " (out of memory?)" if code == -getattr(signal, "SIGKILL", 9) else ""  # Windows has no SIGKILL
                job = queue.fail(item.job_id, f"The transcription process stopped unexpectedly ({how}){hint}.")
            log.info("job %s: process ended (%s), job %s", item.job_id, code, job.state if job else "deleted")
        self._running = still

    def _stop(self, item: _Running) -> None:
        if item.term_sent is None:
            log.info("job %s canceled: stopping its process", item.job_id)
            item.process.terminate()
            item.term_sent = time.monotonic()
        elif time.monotonic() - item.term_sent > KILL_GRACE_S:
            item.process.kill()

    def run(self, *, once: bool = False) -> int:
        """Run jobs until stop() (or, with once, until the queue is empty); return how many were started."""
        started = 0
        with Library.open(self.library_path) as library:
            queue = TranscriptionQueue(library)
            for job in queue.recover(self.max_attempts):
                log.warning("recovered job %s: %s", job.job_id, job.state)
            while not self.stop_event.is_set():
                self._watch(queue)
                while len(self._running) < self.max_parallel and (claimed := queue.claim(os.getpid())) is not None:
                    self._running.append(self._start(claimed.job_id))
                    started += 1
                if once and not self._running:
                    break
                self.stop_event.wait(WATCH_INTERVAL_S if self._running else self.poll_interval)
            for item in self._running:  # stopped from outside: the jobs go back to the queue
                item.process.kill()
                item.process.wait()
            if self._running:
                queue.recover(self.max_attempts + 1)
            self._running = []
        return started

    def stop(self) -> None:
        """Ask the worker loop to end; running jobs are stopped and queued again."""
        self.stop_event.set()
