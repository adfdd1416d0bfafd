"""LocalAgreement-2: the words two consecutive hypotheses share are committed and never change again."""

from __future__ import annotations

import re

from core.results import Word

_NORMAL = re.compile(r"[^\w']+")
MATCH_MS = 1000  # a committed word re-heard this close to its first start is the same word


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
    """Return the words of a new hypothesis that follow the committed ones (by text near their time, else by time).

    The committed words' last 5..1 words are looked for in the hypothesis, their last one starting
    within MATCH_MS of where it started before; what follows the closest match is new. Only when
    the hypothesis does not repeat them (the buffer was cut after them, or whisper heard them otherwise
    this time) does time alone decide, and a word that starts before the last committed word did is
    committed audio heard again: "I need" was committed, the next decode heard "Neither did I" in the
    same 0.6 s, and "Neither" (10.17 s) came after "need" (10.25-10.25 s, a word aligned to no time)
    as new ("I need Neither did I."). Text comes first because a committed last word's end is
    unreliable: when it was committed at the end of a buffer, whisper's alignment stretched it, and a
    time rule then dropped the next word ("Chicago also. I'm in New Jersey" came out as "... also. in New Jersey").
    """
    if not committed:
        return list(words)
    last = committed[-1]
    texts = [normalized(w.text) for w in words]
    for n in range(min(5, len(committed)), 0, -1):
        target = [normalized(w.text) for w in committed[-n:]]
        matches = [(abs(words[i + n - 1].offset_ms - last.offset_ms), i) for i in range(len(words) - n + 1) if texts[i:i + n] == target]
        near = [match for match in matches if match[0] <= MATCH_MS]
        if near:
            return list(words[min(near)[1] + n:])
    return [w for w in words if w.offset_ms >= max(last.end_ms - 100, last.offset_ms)]
