"""The domain: conversations, utterances, words and speakers.

One clock inside: every time is an integer number of milliseconds from the start of the
recording. The views in ``core.views`` convert at the edges (100-ns ticks and ISO-8601
durations for Azure shapes, seconds for Watson, timestamps for subtitles).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

TICKS_PER_MS = 10_000


def ms_to_ticks(ms: int) -> int:
    """Return a millisecond time as Azure's 100-nanosecond ticks."""
    return int(ms) * TICKS_PER_MS


def ms_to_seconds(ms: int) -> float:
    """Return a millisecond time as seconds (float)."""
    return int(ms) / 1000.0


def seconds_to_ms(seconds: float) -> int:
    """Return a time in seconds rounded to whole milliseconds."""
    return int(round(float(seconds) * 1000.0))


def new_conversation_id() -> str:
    """Return a new conversationId (a random UUID in canonical text form)."""
    return str(uuid.uuid4())


def utc_now() -> datetime:
    """Return the current time, timezone-aware UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class Word:
    """One recognised word with its time span and the decoder's confidence (0..1)."""

    text: str
    offset_ms: int
    duration_ms: int
    confidence: float | None = None
    speaker: int | None = None

    @property
    def end_ms(self) -> int:
        return self.offset_ms + self.duration_ms


@dataclass(frozen=True)
class TextForms:
    """The four renderings of one hypothesis named by the batch-transcription service."""

    lexical: str
    itn: str
    masked_itn: str
    display: str


@dataclass(frozen=True)
class Alternative:
    """One N-best hypothesis of an utterance (the best one is the utterance itself)."""

    forms: TextForms
    confidence: float


@dataclass(frozen=True)
class Sentiment:
    negative: float
    neutral: float
    positive: float


@dataclass
class Utterance:
    """One final recognition result: a phrase spoken by one speaker on one channel."""

    result_id: str
    channel: int
    offset_ms: int
    duration_ms: int
    forms: TextForms
    confidence: float
    speaker: int | None = None
    words: list[Word] = field(default_factory=list)
    alternatives: list[Alternative] = field(default_factory=list)
    overlapped: bool = False
    sentiment: Sentiment | None = None

    @property
    def end_ms(self) -> int:
        return self.offset_ms + self.duration_ms

    @property
    def display(self) -> str:
        return self.forms.display

    @property
    def lexical(self) -> str:
        return self.forms.lexical

    @property
    def itn(self) -> str:
        return self.forms.itn

    @property
    def masked_itn(self) -> str:
        return self.forms.masked_itn


@dataclass
class Speaker:
    """A voice in a conversation: numbered from 1, optionally named by the user."""

    number: int
    name: str | None = None

    @property
    def guest_label(self) -> str:
        """Return Azure's label for an unidentified participant (Guest-1, Guest-2, ...)."""
        return f"Guest-{self.number}"

    @property
    def label(self) -> str:
        """Return the name a person reads: the user's name, else the guest label."""
        return self.name or self.guest_label


@dataclass
class Conversation:
    """A recording and its current transcript."""

    conversation_id: str
    title: str
    created: datetime
    duration_ms: int
    source: str
    locale: str
    model: str
    channels: int = 1
    utterances: list[Utterance] = field(default_factory=list)
    speakers: dict[int, Speaker] = field(default_factory=dict)

    def speaker_label(self, number: int | None) -> str | None:
        """Return the display label of a speaker number, or None when unknown."""
        if number is None:
            return None
        speaker = self.speakers.get(number)
        return speaker.label if speaker else f"Guest-{number}"

    def channel_utterances(self, channel: int) -> list[Utterance]:
        """Return the utterances of one channel in time order."""
        return sorted((u for u in self.utterances if u.channel == channel), key=lambda u: u.offset_ms)

    def ordered(self) -> list[Utterance]:
        """Return all utterances in time order (channel breaks ties)."""
        return sorted(self.utterances, key=lambda u: (u.offset_ms, u.channel))

    @property
    def has_speakers(self) -> bool:
        return any(u.speaker is not None for u in self.utterances)

    def with_utterances(self, utterances: list[Utterance]) -> "Conversation":
        """Return a copy holding other utterances (speakers kept)."""
        return replace(self, utterances=list(utterances))
