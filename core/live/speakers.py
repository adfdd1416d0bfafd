"""The seam for live speaker labels: a LiveSpeakerTracker hears the audio and labels time spans.

A session feeds every 16 kHz mono block to its tracker (on the recognizer's thread, in order)
and asks it for the speaker turns of each result's span; words take the speaker of the turn they
overlap most and the utterance the speaker of most of its words. The default tracker knows no
speakers, so results say SpeakerId "Unknown". A real tracker (online clustering from
core.diarization) only has to implement the three methods below and be returned by
`speaker_tracker_for`. A tracker may also offer `peek(start_ms, end_ms)`: its current guess for
interim results, which (unlike `label`) fixes nothing; `interim_turns` uses it when there is one.
`split_by_speaker` cuts a final utterance where its words' speaker changes.
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
    """Return the tracker a session uses by default: online diarization when asked for, else NoSpeakers.

    Raises ModelError at once when the speaker models are not installed (they load on first use).
    """
    if not diarize:
        return NoSpeakers()
    from core.live.online_speakers import OnlineSpeakerTracker
    from core.live.speaker_export import sources

    sources()  # raises ModelError when the segmentation or the CAM++ weights are not installed
    return OnlineSpeakerTracker()


def interim_turns(tracker: LiveSpeakerTracker, start_ms: int, end_ms: int) -> list[Turn]:
    """Return the tracker's current guess for an interim result's span: peek() when it has one, else label()."""
    peek = getattr(tracker, "peek", None)
    return peek(start_ms, end_ms) if peek is not None else tracker.label(start_ms, end_ms)


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



def split_by_speaker(utterance: Utterance, turns: list[Turn], *, locale: str = "en-US") -> list[Utterance]:
    """Return the utterance cut where its words' speaker changes, each piece with one speaker.

    Words take the speaker of the turn they overlap most (else the nearest turn) and pieces get
    their text rebuilt from their words (core.diarization.assign). The first piece keeps the
    utterance's result id (the one its interim results carried), the others core.diarization.assign's
    piece_id(result_id, 2), (.., 3), ...: GUIDs, as Azure's ResultIds are. No turns: the utterance comes back unchanged.
    """
    from core.diarization.assign import assign_speakers, piece_id
    from core.diarization.turns import Diarization, SpeakerTurn, overlap_spans

    known = [SpeakerTurn(int(start), int(end), int(speaker)) for start, end, speaker in turns if end > start]
    if not known:
        return [utterance]
    diarization = Diarization(turns=known, overlaps=overlap_spans(known), num_speakers=len({t.speaker for t in known}))
    pieces = assign_speakers([utterance], diarization, locale=locale)
    return [replace(piece, result_id=utterance.result_id if n == 1 else piece_id(utterance.result_id, n))
            for n, piece in enumerate(pieces, 1)]
