"""Hand-made conversations with known values, shared by the view and export tests."""

from __future__ import annotations

from datetime import datetime, timezone

from core.results import Alternative, Conversation, Sentiment, Speaker, TextForms, Utterance, Word

CREATED = datetime(2026, 3, 1, 9, 30, 21, tzinfo=timezone.utc)
LONG_DISPLAY = (
    "So the plan is simple: we ship the first version on Monday, then we listen to what people say "
    "and fix the worst problems before the next release."
)

LONG_LEXICAL = "".join(c for c in LONG_DISPLAY.lower() if c not in ":,.")


def two_channel_call() -> Conversation:
    """Return a 75 s two-channel call: Alice (named) on channel 0, Guest-2 on channel 1, one unknown speaker."""
    hello = Utterance(
        result_id="r-hello",
        channel=0,
        offset_ms=3_210,
        duration_ms=1_590,
        forms=TextForms("hello world", "hello world", "hello world", "Hello world."),
        confidence=0.91,
        speaker=1,
        words=[Word("hello", 3_250, 480, 0.98), Word("world.", 3_800, 1_000, 0.87)],
        alternatives=[Alternative(TextForms("yellow world", "yellow world", "yellow world", "Yellow world."), 0.42)],
        sentiment=Sentiment(negative=0.1, neutral=0.7, positive=0.2),
    )
    time = Utterance(
        result_id="r-time",
        channel=1,
        offset_ms=5_005,
        duration_ms=2_640,
        forms=TextForms("it's twenty five past ten", "it's 25 past 10", "it's 25 past 10", "It's 25 past 10."),
        confidence=0.8,
        speaker=2,
        words=[
            Word("It's", 5_005, 300, 0.9),
            Word("25", 5_400, 700, 0.7),
            Word("past", 6_200, 400, 0.95),
            Word("10.", 6_700, 945, 0.6),
        ],
    )
    plan = Utterance(
        result_id="r-plan",
        channel=0,
        offset_ms=62_340,
        duration_ms=9_000,
        forms=TextForms(LONG_LEXICAL, LONG_LEXICAL, LONG_LEXICAL, LONG_DISPLAY),
        confidence=0.77,
    )
    return Conversation(
        conversation_id="5f1c7e0a-2b1e-4c8e-9a57-0d9c2f6b1a11",
        title="Weekly call",
        created=CREATED,
        duration_ms=75_000,
        source="call.wav",
        locale="en-US",
        model="tiny.en",
        channels=2,
        # stored out of order on purpose: every view must sort by time
        utterances=[plan, time, hello],
        speakers={1: Speaker(1, "Alice"), 2: Speaker(2)},
    )


def mono_without_speakers() -> Conversation:
    """Return a one-channel conversation with no speakers and no word timings."""
    only = Utterance(
        result_id="r-only",
        channel=0,
        offset_ms=700,
        duration_ms=1_300,
        forms=TextForms("good morning", "good morning", "good morning", "Good morning!"),
        confidence=0.88,
    )
    return Conversation(
        conversation_id="0b6f5d1e-8f43-4a57-9d4f-3c2a1b0e9f88",
        title="Memo",
        created=datetime(2026, 3, 2, 11, 0, 0),
        duration_ms=2_000,
        source="memo.flac",
        locale="en-US",
        model="tiny.en",
        utterances=[only],
    )


def empty_conversation() -> Conversation:
    """Return a recording in which nothing was recognised."""
    return Conversation(
        conversation_id="9e2d8c7b-1a0f-4e3d-8c2b-7a6f5e4d3c2b",
        title="Silence",
        created=CREATED,
        duration_ms=0,
        source="silence.wav",
        locale="en-US",
        model="tiny.en",
    )
