"""The job process: runs one transcription job and stores its result as a new pass.

Started by the worker as `python -m core.jobs.runner LIBRARY JOB_ID`, at low priority, so a
crash, an out-of-memory kill or a cancel only ever ends this process. It dies with its
worker (PR_SET_PDEATHSIG on Linux), reports progress through the queue, and pauses while a
live session is recording.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

from core.errors import Canceled, ParleyError
from core.jobs.live import live_session_running
from core.jobs.queue import TranscriptionQueue
from core.store import Library
from core.transcription import transcribe_file

log = logging.getLogger(__name__)

# where each step sits on the job's 0..100 progress bar
_SPAN = {"loading": (0, 5), "transcribe": (5, 80), "diarize": (80, 97)}
REPORT_INTERVAL_S = 0.5


class JobProgress:
    """The hook given to the pipeline: throttled progress reports, cancel checks and live-session pauses."""

    def __init__(self, queue: TranscriptionQueue, job_id: int, diarize: bool):
        self.queue = queue
        self.job_id = job_id
        self.span = _SPAN if diarize else {"loading": (0, 5), "transcribe": (5, 97)}
        self._last = 0.0
        self._step = ""

    def __call__(self, step: str, completed: float | None = None, total: float | None = None, **_: object) -> None:
        # any step the pipeline does not name itself is one of pyannote's diarization steps
        name = step if step in self.span else "diarize"
        label = step if name == step else f"diarize: {step}"
        low, high = self.span.get(name, (80, 97))
        fraction = (completed / total) if (completed is not None and total) else 0.0
        progress = low + (high - low) * min(1.0, max(0.0, fraction))
        now = time.monotonic()
        if label == self._step and now - self._last < REPORT_INTERVAL_S:
            return
        self._step, self._last = label, now
        self.queue.report(self.job_id, int(progress), label)
        while live_session_running():
            self.queue.report(self.job_id, int(progress), "paused during a live session")
            time.sleep(REPORT_INTERVAL_S)


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def run_job(library_path: Path, job_id: int) -> int:
    """Run one claimed job to its end and return the process exit status (0 unless the library failed)."""
    with contextlib.suppress(OSError):
        os.nice(10)
    with Library.open(library_path) as library:
        queue = TranscriptionQueue(library)
        job = queue.job(job_id)
        progress = JobProgress(queue, job_id, job.options.diarize)
        try:
            progress("loading", 0, 1)
            audio = library.audio_path(job.conversation_id)
            conversation = transcribe_file(
                audio,
                job.options.transcription(),
                job.options.speakers(),
                conversation_id=job.conversation_id,
                hook=progress,
            )
            queue.report(job_id, 98, "saving")
            library.add_pass(
                job.conversation_id,
                conversation.utterances,
                conversation.speakers,
                kind="async",
                model=conversation.model,
                options=asdict(job.options),
            )
            queue.succeed(job_id)
        except Canceled:
            log.info("job %s canceled", job_id)
        except ParleyError as exc:
            queue.fail(job_id, exc.user_message())
        except Exception as exc:  # a bug must fail the job, not leave it Running forever
            log.exception("job %s failed", job_id)
            queue.fail(job_id, f"Unexpected error: {type(exc).__name__}: {exc}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the job process: `python -m core.jobs.runner LIBRARY JOB_ID`."""
    args = sys.argv[1:] if argv is None else argv
    _die_with_parent()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s job %(process)d %(name)s: %(message)s")
    return run_job(Path(args[0]), int(args[1]))


if __name__ == "__main__":
    sys.exit(main())
