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


MIN_WORD_MS = 100  # whisper's alignment sometimes gives a word no length; it gets this much where there is room


def with_lengths(words: list[Word], end_ms: int, floor_ms: int | None = None) -> list[Word]:
    """Return the words in time order without overlaps, and with a length wherever there is room for one.

    Whisper's cross-attention alignment gives some words no time at all ("I" at 8.99-8.99 s), and
    clamping a live decode's first word to where speech begins can leave it ending after the next
    word starts. Such times went out as they were: Watson timestamps that go backwards, Azure words
    of Duration 0. A word that begins before the previous one is moved to its start, a word still
    running when the next begins ends there, and a word without length (last first, so that words
    aligned to one instant share what follows them) gets MIN_WORD_MS of the gap after it (up to the
    next word's start, or `end_ms` for the last), else of the gap before it, else shares the longer
    of its neighbours' time (at most half of it, and MIN_WORD_MS), else (the last word, moved past
    `end_ms`) takes MIN_WORD_MS after it. No word starts before `floor_ms` (where the result before
    ended; None: no result before).
    """
    timed: list[Word] = []
    for word in words:
        start = max(word.offset_ms, timed[-1].offset_ms if timed else floor_ms or 0)
        if timed and timed[-1].end_ms > start:
            timed[-1] = replace(timed[-1], duration_ms=start - timed[-1].offset_ms)
        timed.append(replace(word, offset_ms=start, duration_ms=max(0, word.end_ms - start)))
    for at in range(len(timed) - 1, -1, -1):
        word = timed[at]
        if word.duration_ms:
            continue
        at_ms, last = word.offset_ms, at + 1 == len(timed)
        following = max(end_ms, at_ms) if last else timed[at + 1].offset_ms
        # a first word takes no room before it unless it is alone: that time was the result before's (at a speaker
        # change, another speaker's), and the word had gone with the words after it
        previous = timed[at - 1].end_ms if at else (at_ms if floor_ms is None else floor_ms) if last else at_ms
        if following > at_ms or previous < at_ms:  # a gap after it, else before it
            start = at_ms if following > at_ms else max(at_ms - MIN_WORD_MS, previous)
            end = min(at_ms + MIN_WORD_MS, following) if following > at_ms else at_ms
            timed[at] = replace(word, offset_ms=start, duration_ms=end - start)
            continue
        before = timed[at - 1] if at else None
        after = None if last else timed[at + 1]
        longer = max((w for w in (before, after) if w is not None), key=lambda w: w.duration_ms, default=None)
        share = min(MIN_WORD_MS, longer.duration_ms // 2) if longer is not None else 0
        if share and longer is before:
            timed[at - 1] = replace(before, duration_ms=before.duration_ms - share)
            timed[at] = replace(word, offset_ms=at_ms - share, duration_ms=share)
        elif share:
            timed[at + 1] = replace(after, offset_ms=after.offset_ms + share, duration_ms=after.duration_ms - share)
            timed[at] = replace(word, duration_ms=share)
        elif last and at_ms >= end_ms:
            timed[at] = replace(word, duration_ms=MIN_WORD_MS)
    return timed


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


def with_word_lengths(utterance: Utterance, floor_ms: int | None = None) -> Utterance:
    """Return the utterance with its words timed by with_lengths() (none before `floor_ms`, where the result before it
    ended), its span the words' own."""
    if not utterance.words:
        return utterance
    words = with_lengths(utterance.words, utterance.end_ms, floor_ms)  # in time order: the last ends last
    return replace(utterance, words=words, offset_ms=words[0].offset_ms, duration_ms=words[-1].end_ms - words[0].offset_ms)


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
