"""Transcripts to store in the library tests, and a check that the search index is exact."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from core.results import Alternative, Conversation, Sentiment, Speaker, TextForms, Utterance, Word
from core.store import Library
from core.text.forms import forms_from_display


def utterance(result_id: str, text: str, offset_ms: int, speaker: int | None = None, *, channel: int = 0) -> Utterance:
    """Return an utterance whose words split its display text evenly over 400 ms each."""
    forms = forms_from_display(text)
    words = [
        Word(text=w, offset_ms=offset_ms + i * 400, duration_ms=380, confidence=0.9 - i / 100, speaker=speaker)
        for i, w in enumerate(forms.display.split())
    ]
    return Utterance(
        result_id=result_id,
        channel=channel,
        offset_ms=offset_ms,
        duration_ms=400 * max(len(words), 1),
        forms=forms,
        confidence=0.87,
        speaker=speaker,
        words=words,
        alternatives=[Alternative(forms=TextForms(text.lower(), text.lower(), text.lower(), text + "?"), confidence=0.4)],
        sentiment=Sentiment(negative=0.1, neutral=0.7, positive=0.2),
    )


def conversation(title: str = "Budget meeting", *, created: datetime | None = None, lines=None, names=None) -> Conversation:
    """Return a conversation of a few speakers' lines: [(result_id, text, offset_ms, speaker)]."""
    lines = lines or [
        ("r1", "Let's review the budget for 2025.", 0, 1),
        ("r2", "The marketing costs went up by 12%.", 3000, 2),
        ("r3", "We should cut travel expenses.", 7000, 1),
        ("r4", "I agree, travel is too expensive.", 11000, 3),
    ]
    speakers = {n: Speaker(number=n, name=(names or {}).get(n)) for n in sorted({s for *_, s in lines if s})}
    return Conversation(
        conversation_id="",
        title=title,
        created=created or datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc),
        duration_ms=15000,
        source="/recordings/meeting.wav",
        locale="en-US",
        model="tiny.en",
        channels=1,
        utterances=[utterance(*line) for line in lines],
        speakers=speakers,
    )


def later(minutes: int) -> datetime:
    return datetime(2026, 11, 20, 9, 30, tzinfo=timezone.utc) + timedelta(minutes=minutes)


def fts_is_exact(library: Library) -> bool:
    """Return whether the full-text index holds exactly the searchable rows (FTS5 integrity-check)."""
    try:
        library.db.execute("INSERT INTO utterance_search_fts(utterance_search_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True
