"""The seam for live speaker labels: a LiveSpeakerTracker hears the audio and labels time spans.

A session feeds every 16 kHz mono block to its tracker (on the recognizer's thread, in order)
and asks it for the speaker turns of each result's span; words take the speaker of the turn they
overlap most and the utterance the speaker of most of its words. The default tracker knows no
speakers, so results say SpeakerId "Unknown". A real tracker (online clustering from
core.diarization) only has to implement the three methods below and be returned by
`speaker_tracker_for`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Protocol, runtime_checkable

import numpy as np

from core.results import Utterance

Turn = tuple[int, int, int]  # (start_ms, end_ms, speaker number from 1)


@runtime_checkable
class LiveSpeakerTracker(Protocol):
    """Hears a live stream and says who spoke when."""

    def feed(self, block: np.ndarray, offset_ms: int) -> None:
        """Take the next block of 16 kHz mono float32 audio starting at offset_ms of the recording."""

    def label(self, start_ms: int, end_ms: int) -> list[Turn]:
        """Return the speaker turns (start_ms, end_ms, speaker) that overlap a span; [] when unknown."""

    def close(self) -> None:
        """Release what the tracker holds."""


class NoSpeakers:
    """The tracker that knows no speakers: every result says SpeakerId "Unknown"."""

    def feed(self, block: np.ndarray, offset_ms: int) -> None:
        """Return None (nothing is learnt)."""

    def label(self, start_ms: int, end_ms: int) -> list[Turn]:
        """Return [] (no speaker is known)."""
        return []

    def close(self) -> None:
        """Return None."""


def speaker_tracker_for(diarize: bool) -> LiveSpeakerTracker:
    """Return the tracker a session uses by default: NoSpeakers until live diarization is plugged in here."""
    return NoSpeakers()


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def _speaker_of(start: int, end: int, turns: list[Turn]) -> int | None:
    best, best_overlap = None, 0
    for turn_start, turn_end, speaker in turns:
        overlap = _overlap(start, max(end, start + 1), turn_start, turn_end)
        if overlap > best_overlap:
            best, best_overlap = speaker, overlap
    return best


def label_utterance(utterance: Utterance, turns: list[Turn]) -> Utterance:
    """Return the utterance with each word given the speaker it overlaps most, and the majority speaker."""
    if not turns:
        return utterance
    words = [replace(w, speaker=_speaker_of(w.offset_ms, w.end_ms, turns)) for w in utterance.words]
    counts = Counter(w.speaker for w in words if w.speaker is not None)
    speaker = counts.most_common(1)[0][0] if counts else _speaker_of(utterance.offset_ms, utterance.end_ms, turns)
    return replace(utterance, words=words, speaker=speaker)

