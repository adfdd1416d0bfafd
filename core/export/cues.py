"""Subtitle cues: long utterances split into readable pieces (≤ 2 lines × 42 characters, ≤ 7 s).

Word timestamps give each piece its time when the words line up with the chosen text;
otherwise the utterance's span is shared out in proportion to the characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterator

from core.results import Utterance

MAX_LINE_CHARS = 42
MAX_LINES = 2
MAX_CUE_MS = 7_000
_DIGIT_GROUP = re.compile(r"\d{3}\W*")


@dataclass(frozen=True)
class Cue:
    """One subtitle: its time span in milliseconds and its text lines."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]


def _timed_tokens(utterance: Utterance, text: str) -> list[tuple[str, int, int]]:
    tokens = text.split()
    words = [w for w in utterance.words if w.text.strip()]
    if tokens and len(words) == len(tokens):
        return [(t, w.offset_ms, w.end_ms) for t, w in zip(tokens, words)]
    total = sum(len(t) + 1 for t in tokens)
    timed, done = [], 0
    for token in tokens:
        start = utterance.offset_ms + utterance.duration_ms * done // total
        done += len(token) + 1
        timed.append((token, start, utterance.offset_ms + utterance.duration_ms * done // total))
    return timed


def _continues_number(previous: str, token: str) -> bool:
    """Return whether `token` is the next digit group of a number written with spaces ("3 500 000", French and Russian)."""
    return previous.isdigit() and _DIGIT_GROUP.fullmatch(token) is not None


def wrap(tokens: list[str], first_width: int = MAX_LINE_CHARS, width: int = MAX_LINE_CHARS) -> list[str]:
    """Return tokens filled greedily into lines (the first line may be narrower, e.g. after a speaker prefix).

    The digit groups of one number stay on one line.
    """
    units: list[str] = []
    for token in tokens:
        if units and _continues_number(units[-1].rsplit(" ", 1)[-1], token):
            units[-1] += " " + token
        else:
            units.append(token)
    lines: list[str] = []
    line = ""
    for token in units:
        limit = first_width if not lines else width
        if line and len(line) + 1 + len(token) > limit:
            lines.append(line)
            line = token
        else:
            line = f"{line} {token}" if line else token
    if line:
        lines.append(line)
    return lines


def split_cues(utterance: Utterance, text: str, prefix_chars: int = 0) -> Iterator[Cue]:
    """Yield the cues of one utterance's text; prefix_chars reserves room on each cue's first line."""
    first_width = max(MAX_LINE_CHARS - prefix_chars, 10)
    piece: list[tuple[str, int, int]] = []

    def cue() -> Cue:
        start, end = piece[0][1], piece[-1][2]
        return Cue(start, max(end, start + 1), tuple(wrap([t for t, _, _ in piece], first_width)))

    for token in _timed_tokens(utterance, text):
        if piece and not _continues_number(piece[-1][0], token[0]):  # a number's digit groups stay in one cue
            too_many_lines = len(wrap([t for t, _, _ in piece] + [token[0]], first_width)) > MAX_LINES
            too_long = token[2] - piece[0][1] > MAX_CUE_MS
            if too_many_lines or too_long:
                yield cue()
                piece = []
        piece.append(token)
    if piece:
        yield cue()


def clock(ms: int, decimal_mark: str) -> str:
    """Return a millisecond time as HH:MM:SS<mark>mmm (SRT uses ",", WebVTT ".")."""
    seconds, millis = divmod(max(int(ms), 0), 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_mark}{millis:03d}"
