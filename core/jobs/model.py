"""Transcription jobs as the library stores them: states, modes and options."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from core.asr.models import DEFAULT_MODEL
from core.asr.transcriber import TranscriptionOptions
from core.errors import JobError
from core.transcription import SpeakerOptions

NOT_STARTED, RUNNING, SUCCEEDED, FAILED, CANCELED = "NotStarted", "Running", "Succeeded", "Failed", "Canceled"
MAX_HYPOTHESES = 10  # as Watson's max_alternatives
PENDING_STATES = (NOT_STARTED, RUNNING)
FINISHED_STATES = (SUCCEEDED, FAILED, CANCELED)

ASYNC, REAL_TIME_AND_ASYNC = "Async", "RealTimeAndAsync"
PAUSED_STEP = "paused during a live session"  # a running job's step while a live session has the CPU
ESTIMATE_FROM = 10  # a running job's time left is estimated from this much progress (%) on: loading the models is over
MODES = (ASYNC, REAL_TIME_AND_ASYNC)

PROFANITY_MODES = ("None", "Removed", "Tags", "Masked")
PUNCTUATION_MODES = ("None", "Dictated", "Automatic", "DictatedAndAutomatic")


@dataclass(frozen=True)
class JobOptions:
    """What a re-transcription should do: model, language, speakers and output options."""

    model: str = "base"
    language: str | None = None
    diarize: bool = True
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    word_timestamps: bool = True
    profanity: str = "Masked"
    punctuation: str = "DictatedAndAutomatic"
    hypotheses: int = 1  # N-best hypotheses kept per phrase, the best one included (alternatives when above 1)
    # channels that carry the same sound are transcribed once (core.transcription.same_sound); the local speech service
    # transcribes every channel, as the cloud's batch transcription does
    merge_same_sound: bool = True

    def __post_init__(self):
        if self.profanity not in PROFANITY_MODES:
            raise JobError(f"Unknown profanity mode '{self.profanity}'.", f"Use one of {', '.join(PROFANITY_MODES)}.")
        if self.punctuation not in PUNCTUATION_MODES:
            raise JobError(f"Unknown punctuation mode '{self.punctuation}'.", f"Use one of {', '.join(PUNCTUATION_MODES)}.")
        if not 1 <= self.hypotheses <= MAX_HYPOTHESES:
            raise JobError(f"{self.hypotheses} hypotheses per phrase cannot be kept.", f"Ask for 1 to {MAX_HYPOTHESES}.")
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise JobError(f"The {name.replace('_', ' ')} must be at least 1, not {value}.", "Give 1 or more speakers.")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise JobError(f"The min speakers ({self.min_speakers}) is larger than the max speakers ({self.max_speakers}).",
                           "Give a minimum no larger than the maximum.")

    def to_json(self) -> str:
        """Return the options as the JSON text stored with the job."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> "JobOptions":
        """Return options read from stored JSON (unknown keys from newer versions are ignored)."""
        data = json.loads(text or "{}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def transcription(self) -> TranscriptionOptions:
        """Return the recogniser's options for this job."""
        return TranscriptionOptions(model=self.model or DEFAULT_MODEL, language=self.language,
                                    word_timestamps=self.word_timestamps or self.diarize, max_alternatives=self.hypotheses)

    def speakers(self) -> SpeakerOptions:
        """Return the diarization options for this job."""
        return SpeakerOptions(self.diarize, self.num_speakers, self.min_speakers, self.max_speakers)


@dataclass(frozen=True)
class Job:
    """One background transcription of a stored conversation."""

    job_id: int
    conversation_id: str
    state: str
    mode: str
    options: JobOptions
    progress: int
    step: str
    error: str | None
    attempts: int
    worker_pid: int | None
    created: datetime
    last_action: datetime
    started: datetime | None
    finished: datetime | None

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING_STATES

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES

    def time_left_s(self, now: datetime) -> float | None:
        """Return about how many seconds a running job has left, at the pace of its progress so far (None: not known yet,
        or paused)."""
        if self.state != RUNNING or self.started is None or self.progress < ESTIMATE_FROM or self.step == PAUSED_STEP:
            return None
        elapsed = (now - self.started).total_seconds()
        return max(0.0, elapsed * (100 - self.progress) / self.progress) if elapsed > 0 else None
