"""LiveOptions: how a live session listens (model, pauses, speakers) and what it does at the end."""

from __future__ import annotations

from dataclasses import dataclass

from core.asr.streaming_options import StreamingOptions, check_phrase_silence
from core.errors import ParleyError
from core.live import journal
from core.text.options import TextOptions
from core.text.profanity import DEFAULT_PROFANITY

MODES = (journal.REAL_TIME, journal.REAL_TIME_AND_ASYNC)


@dataclass(frozen=True)
class LiveOptions:
    """How a live session listens and what it does at the end."""

    model: str = "tiny.en"
    language: str | None = None
    mode: str = journal.REAL_TIME_AND_ASYNC  # or "RealTime": no re-transcription job
    end_of_phrase_silence_ms: int = 800
    interim_results: bool = True
    split_at_phrase_end: bool = True
    diarize: bool = False  # live speaker labels (online diarization); finals are cut where the speaker changes
    title: str | None = None
    job_options: object | None = None  # core.jobs.JobOptions of the queued re-transcription
    max_lag_ms: int = 4000  # audio waiting beyond this skips interim decodes until caught up
    encoder_window_ms: int = 30_000  # 20_000 saves ~35% CPU per update on slow machines, for ~3 WER points
    profanity: str = DEFAULT_PROFANITY  # how results show profanity (the Speech SDK's ProfanityOption): Masked by default

    def __post_init__(self):
        if self.mode not in MODES:
            raise ParleyError(f"Unknown live mode '{self.mode}'.", hint=f"Use {' or '.join(MODES)}.")
        check_phrase_silence(self.end_of_phrase_silence_ms)
        object.__setattr__(self, "profanity", self.text_options.profanity)  # checked, spelled as the SDK does

    @property
    def text_options(self) -> TextOptions:
        """Return how results show their text: profanity as asked, whisper's own punctuation (the Speech SDK turns
        dictation on only when asked), hesitations kept. The stored transcript keeps the words as heard."""
        return TextOptions(profanity=self.profanity, punctuation="Automatic")

    def streaming(self) -> StreamingOptions:
        """Return the streaming recognizer's options."""
        return StreamingOptions(model=self.model, language=self.language, end_of_phrase_silence_ms=self.end_of_phrase_silence_ms,
                                interim_results=self.interim_results, split_at_phrase_end=self.split_at_phrase_end,
                                encoder_window_ms=self.encoder_window_ms)
