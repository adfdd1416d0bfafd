"""The job process: runs one transcription job and stores its result as a new pass.

Started by the worker as `python -m core.jobs.runner LIBRARY JOB_ID WORKER_PID` (core.jobs.lifeline), at low
priority, so a crash, an out-of-memory kill or a cancel only ever ends this process. It dies
with its worker (PR_SET_PDEATHSIG on Linux; and it exits at once if the worker died before it
could ask for that), reports progress through the queue, and pauses while a live session is
recording. Its pass and the job's Succeeded state are stored together, and only while the job
is still Running for its worker: a job canceled or taken over meanwhile gets no pass.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from core.diarization import LOADING_STEP
from core.diarization.renumber import matching_numbers, renumbered
from core.errors import Canceled, ParleyError
from core.jobs.lifeline import follow
from core.jobs.model import PAUSED_STEP
from core.jobs.live import live_session_running
from core.jobs.queue import TranscriptionQueue
from core.store import Library

log = logging.getLogger(__name__)

LOADING_SPAN = (0, 5)  # the job's 0..100 bar: loading the model, then each channel's share of 5..97 (98: saving)
CHANNELS_SPAN = (5, 97)
# with speakers, a channel's share is split between its transcription and its diarization, and the diarization's among
# its steps (pyannote's names, and the models' loading) as their times went with the job's default options (base, with
# speakers) on the sample repeated to 5 minutes, 2 cores: transcription 44 s (its model's loading included), the speaker
# models' loading 1 s, segmentation 4 s, embeddings 22 s
TRANSCRIBE_SHARE = 0.6
DIARIZE_STEPS = {LOADING_STEP: (0.0, 0.05), "segmentation": (0.05, 0.2), "speaker_counting": (0.2, 0.2),
                 "embeddings": (0.2, 0.99), "discrete_diarization": (0.99, 1.0)}
REPORT_INTERVAL_S = 0.5


class JobProgress:
    """The hook given to the pipeline: throttled progress reports, cancel checks and live-session pauses.

    The bar only goes forward: each step of each channel has its own part of it (a step pyannote adds later stays
    where the bar is), so a second channel or diarization's next step does not take it back to where the step began.
    """

    def __init__(self, queue: TranscriptionQueue, job_id: int, diarize: bool, worker_pid: int | None = None):
        self.queue = queue
        self.job_id = job_id
        self.worker_pid = worker_pid
        self.diarize = diarize
        self.progress = 0
        self._last = 0.0
        self._step = ""

    def place(self, step: str, fraction: float, channel: int = 0, channels: int = 1) -> float:
        """Return where on the 0..100 bar a step is once `fraction` of it is done."""
        if step == "loading":
            low, high = LOADING_SPAN
            return low + (high - low) * fraction
        transcribed = TRANSCRIBE_SHARE if self.diarize else 1.0
        if step == "transcribe":
            within = transcribed * fraction
        else:
            low, high = DIARIZE_STEPS.get(step, (0.0, 0.0))
            within = transcribed + (1 - transcribed) * (low + (high - low) * fraction)
        low, high = CHANNELS_SPAN
        return low + (high - low) * (channel + within) / max(1, channels)

    def __call__(self, step: str, completed: float | None = None, total: float | None = None, *, channel: int = 0,
                 channels: int = 1, **_: object) -> None:
        # a step the pipeline does not name itself is one of pyannote's diarization steps
        label = step if step in ("loading", "transcribe") else f"diarize: {step}"
        fraction = min(1.0, max(0.0, completed / total)) if (completed is not None and total) else 0.0
        self.progress = max(self.progress, int(self.place(step, fraction, channel, channels)))
        if channels > 1:
            label = f"{label} (channel {channel + 1} of {channels})"
        now = time.monotonic()
        if label == self._step and now - self._last < REPORT_INTERVAL_S:
            return
        self._step, self._last = label, now
        self.queue.report(self.job_id, self.progress, label, worker_pid=self.worker_pid)
        while live_session_running():
            self.queue.report(self.job_id, self.progress, PAUSED_STEP, worker_pid=self.worker_pid)
            time.sleep(REPORT_INTERVAL_S)


def run_job(library_path: Path, job_id: int, worker_pid: int | None = None) -> int:
    """Run one claimed job to its end and return the process exit status (0 unless the library failed)."""
    from core.transcription import transcribe_file  # torch and the models: after the checks in main()

    import psutil

    with contextlib.suppress(psutil.Error, OSError):  # below the app and the live captions, on every system
        psutil.Process().nice(psutil.BELOW_NORMAL_PRIORITY_CLASS if os.name == "nt" else 10)
    with Library.open(library_path) as library:
        queue = TranscriptionQueue(library)
        job = queue.job(job_id)
        progress = JobProgress(queue, job_id, job.options.diarize, worker_pid)
        try:
            progress("loading", 0, 1)
            audio = library.audio_path(job.conversation_id)
            conversation = transcribe_file(
                audio,
                job.options.transcription(),
                job.options.speakers(),
                conversation_id=job.conversation_id,
                hook=progress,
                merge_same_sound=job.options.merge_same_sound,
            )
            with library.transaction():  # the pass and Succeeded together, and only if the job is still ours
                queue.report(job_id, 98, "saving", worker_pid=worker_pid)
                utterances, speakers = _numbered_as_before(library, job.conversation_id, conversation)
                # the transcript the user corrected stays the one shown: the new one is chosen, not put over it
                corrected = library.has_corrections(job.conversation_id)
                library.add_pass(
                    job.conversation_id,
                    utterances,
                    speakers,
                    kind="async",
                    model=conversation.model,
                    options=asdict(job.options),
                    current=not corrected,
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


def _numbered_as_before(library: Library, conversation_id: str, conversation):
    """Return the new transcript's utterances and speakers, each voice numbered (and so named) as the transcript shown
    until now numbers it."""
    shown = library.get_conversation(conversation_id)
    numbers = matching_numbers(shown.utterances, conversation.utterances, set(shown.speakers))
    return renumbered(conversation.utterances, conversation.speakers, numbers)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the job process: `python -m core.jobs.runner LIBRARY JOB_ID [WORKER_PID]`."""
    args = sys.argv[1:] if argv is None else argv
    worker_pid = int(args[2]) if len(args) > 2 else None
    if worker_pid is not None and not follow(worker_pid, 0.0, hard=True):
        return 0  # the worker died before we asked to die with it: the next worker recovers the job
    logging.basicConfig(level=logging.INFO, format="%(levelname)s job %(process)d %(name)s: %(message)s")
    return run_job(Path(args[0]), int(args[1]), worker_pid)


if __name__ == "__main__":
    sys.exit(main())
