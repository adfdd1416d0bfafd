"""LocalAgreement-2: the words two consecutive hypotheses share are committed and never change again."""

from __future__ import annotations

import re

from core.results import Word

_NORMAL = re.compile(r"[^\w']+")


def normalized(text: str) -> str:
    """Return a word as compared for agreement: lowercase, without punctuation."""
    return _NORMAL.sub("", text.lower())


def agreed_prefix(previous: list[Word], current: list[Word]) -> int:
    """Return how many leading words two hypotheses share (compared without case and punctuation)."""
    count = 0
    for a, b in zip(previous, current):
        if normalized(a.text) != normalized(b.text):
            break
        count += 1
    return count


def after_committed(committed: list[Word], words: list[Word]) -> list[Word]:
    """Return the words of a new hypothesis that follow the committed ones (by time, then by overlap)."""
    if not committed:
        return list(words)
    last_end = committed[-1].end_ms
    tail = [w for w in words if w.offset_ms >= last_end - 100]
    for n in range(min(5, len(committed), len(tail)), 0, -1):
        if [normalized(w.text) for w in committed[-n:]] == [normalized(w.text) for w in tail[:n]]:
            return tail[n:]
    return tail
