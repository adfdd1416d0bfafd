"""Hand-made utterances with known words, confidences and N-best hypotheses for the text-option tests."""

from __future__ import annotations

from core.results import Alternative, Utterance, Word
from core.text.forms import forms_from_display


def utterance(display: str, words: list[tuple[str, int, int, float]] | None = None, alternatives=(), confidence=0.9) -> Utterance:
    """Return an utterance of display text; words are (text, offset ms, duration ms, confidence)."""
    timed = [Word(t, o, d, c) for t, o, d, c in (words or [])]
    start = timed[0].offset_ms if timed else 0
    end = timed[-1].end_ms if timed else 1_000
    return Utterance(
        result_id="u1", channel=0, offset_ms=start, duration_ms=end - start, forms=forms_from_display(display),
        confidence=confidence, words=timed,
        alternatives=[Alternative(forms_from_display(text), c) for text, c in alternatives],
    )


def meeting() -> Utterance:
    """Return "We meet in Boston on Friday." with three N-best alternatives."""
    return utterance(
        "We meet in Boston on Friday.",
        [("We", 0, 200, 0.95), ("meet", 200, 300, 0.6), ("in", 500, 100, 0.97), ("Boston", 600, 500, 0.8),
         ("on", 1100, 100, 0.99), ("Friday.", 1200, 500, 0.9)],
        alternatives=[("We meat in Boston on Friday.", 0.3), ("We meet in Austin on Friday.", 0.2),
                      ("Let's meet in Boston on Friday.", 0.1)],
    )
