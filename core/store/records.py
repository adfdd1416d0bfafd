"""What the library hands out besides Conversations, and how domain objects become rows and back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.results import Alternative, Conversation, Sentiment, TextForms, Utterance, Word


@dataclass(frozen=True)
class ConversationSummary:
    """One line of the library list: enough to show it without loading its transcript."""

    conversation_id: str
    title: str
    created: datetime
    duration_ms: int
    speaker_count: int
    utterance_count: int
    job_state: str | None  # state of the latest re-transcription job, None when there never was one
    source: str
    locale: str
    model: str


@dataclass(frozen=True)
class SearchHit:
    """One utterance that matches a search, with its text around the match highlighted."""

    conversation_id: str
    title: str
    result_id: str
    offset_ms: int
    snippet: str
    speaker: str | None  # the speaker's label (name or Guest-N), None when not diarized


@dataclass(frozen=True)
class TranscriptionPass:
    """One transcription of a conversation; the newest successful one is current."""

    pass_id: int
    conversation_id: str
    kind: str
    model: str
    options: dict
    status: str
    created: datetime
    is_current: bool
    utterance_count: int


@dataclass(frozen=True)
class NewRecording:
    """A new conversation and the recording to store with it (see Library.adding_conversations).

    channels and duration_ms are probed from the file when not given.
    """

    conversation: Conversation
    path: str | Path
    channels: int | None = None
    duration_ms: int | None = None


@dataclass(frozen=True)
class AudioSource:
    """A recording behind a conversation: a copy the library owns or a reference to the user's file."""

    source_id: int
    conversation_id: str
    path: Path
    channels: int
    duration_ms: int
    sha256: str
    copied: bool
    added: datetime

    @property
    def exists(self) -> bool:
        """Return whether the file is still where the library expects it."""
        return self.path.is_file()


def to_db_time(moment: datetime) -> str:
    """Return a time as fixed-width ISO-8601 UTC text, so text order is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def from_db_time(text: str) -> datetime:
    """Return the timezone-aware UTC datetime stored as ISO-8601 text."""
    return datetime.fromisoformat(text)


def now_text() -> str:
    """Return the current UTC time as stored in the library."""
    return to_db_time(datetime.now(timezone.utc))


def _alternatives_json(alternatives: list[Alternative]) -> str:
    return json.dumps(
        [
            {
                "confidence": a.confidence,
                "lexical": a.forms.lexical,
                "itn": a.forms.itn,
                "masked_itn": a.forms.masked_itn,
                "display": a.forms.display,
            }
            for a in alternatives
        ]
    )


def _alternatives(text: str | None) -> list[Alternative]:
    return [
        Alternative(
            forms=TextForms(lexical=a["lexical"], itn=a["itn"], masked_itn=a["masked_itn"], display=a["display"]),
            confidence=a["confidence"],
        )
        for a in json.loads(text or "[]")
    ]


def _sentiment_json(sentiment: Sentiment | None) -> str | None:
    if sentiment is None:
        return None
    return json.dumps({"negative": sentiment.negative, "neutral": sentiment.neutral, "positive": sentiment.positive})


def _sentiment(text: str | None) -> Sentiment | None:
    if not text:
        return None
    values = json.loads(text)
    return Sentiment(negative=values["negative"], neutral=values["neutral"], positive=values["positive"])


UTTERANCE_COLUMNS = (
    "pass_id", "result_id", "channel", "speaker_id", "offset_ms", "duration_ms", "lexical", "itn",
    "masked_itn", "display", "confidence", "overlapped", "sentiment", "alternatives",
)


def utterance_row(utterance: Utterance, pass_id: int, speaker_id: int | None) -> tuple:
    """Return the utterances-table values of an utterance, in UTTERANCE_COLUMNS order."""
    forms = utterance.forms
    return (
        pass_id, utterance.result_id, int(utterance.channel), speaker_id, int(utterance.offset_ms),
        int(utterance.duration_ms), forms.lexical, forms.itn, forms.masked_itn, forms.display,
        float(utterance.confidence), int(bool(utterance.overlapped)), _sentiment_json(utterance.sentiment),
        _alternatives_json(utterance.alternatives),
    )


def word_rows(utterance_id: int, words: list[Word]) -> list[tuple]:
    """Return the words-table values of an utterance's words, numbered by position."""
    return [
        (utterance_id, position, w.text, int(w.offset_ms), int(w.duration_ms), w.confidence, w.speaker)
        for position, w in enumerate(words)
    ]


def utterance_from_row(row: dict[str, Any], speaker: int | None, words: list[Word]) -> Utterance:
    """Return the Utterance a row of the utterances table holds."""
    return Utterance(
        result_id=row["result_id"],
        channel=row["channel"],
        offset_ms=row["offset_ms"],
        duration_ms=row["duration_ms"],
        forms=TextForms(
            lexical=row["lexical"], itn=row["itn"], masked_itn=row["masked_itn"], display=row["display"]
        ),
        confidence=row["confidence"],
        speaker=speaker,
        words=words,
        alternatives=_alternatives(row["alternatives"]),
        overlapped=bool(row["overlapped"]),
        sentiment=_sentiment(row["sentiment"]),
    )

