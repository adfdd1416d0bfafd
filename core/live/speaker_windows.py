"""Segmentation windows of a live session: who talks in each frame, tracks stitched across windows, majority votes."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MIN_ACTIVE_FRAMES = 6  # ~100 ms: less local speech in a window is not a speaker
MIN_STITCH_FRAMES = 6  # frames two windows must agree on to continue a track
STITCH_IOU = 0.5  # ...and how much of the shared frames: below it the model changed its mind, a new track starts

Turn = tuple[int, int, int]


@dataclass
class Window:
    """One analysed window: which local speaker talks in each of its frames, and their tracks."""

    first: int  # global index of its first frame
    end: int  # sample index where its audio ends
    active: np.ndarray  # (frames, local speakers) booleans
    tracks: list = field(default_factory=list)  # track id per local speaker, None when silent

    @property
    def stop(self) -> int:
        return self.first + len(self.active)

    def speaking(self) -> np.ndarray:
        """Return which local speakers talk enough in this window to count."""
        return self.active.sum(axis=0) >= MIN_ACTIVE_FRAMES

    def others(self, slot: int) -> tuple[list[int], list[int]]:
        """Return the window's other speaking slots: (those heard at the same time as this one, those heard apart from it)."""
        together, apart = [], []
        for j in np.flatnonzero(self.speaking()):
            if j != slot:
                overlap = (self.active[:, j] & self.active[:, slot]).sum() >= MIN_ACTIVE_FRAMES
                (together if overlap else apart).append(int(j))
        return together, apart

    def alone(self, slot: int) -> np.ndarray:
        """Return the frames where this local speaker talks and nobody else does."""
        return self.active[:, slot] & (self.active.sum(axis=1) == 1)


def stitch(previous: Window | None, window: Window) -> tuple[list, list]:
    """Return (the previous window's track for each local speaker or None, the tracks the model re-split).

    Local speakers are matched on the frames both windows heard (Hungarian, most agreement); a
    match continues a track only when they agree on at least STITCH_IOU of those frames. A track
    still talking in the shared frames that nothing continues was re-split: it mixed voices.
    """
    from scipy.optimize import linear_sum_assignment

    tracks = [None] * window.active.shape[1]
    if previous is None or previous.stop <= window.first:
        return tracks, []
    speaking = window.speaking()
    ours = window.active[: previous.stop - window.first]
    theirs = previous.active[window.first - previous.first:]
    agreement = theirs.T.astype(np.int32) @ ours.astype(np.int32)  # (previous slot, slot)
    union = theirs.sum(axis=0)[:, None] + ours.sum(axis=0)[None, :] - agreement
    for old, new in zip(*linear_sum_assignment(-agreement)):
        agreed = agreement[old, new] >= MIN_STITCH_FRAMES and agreement[old, new] >= STITCH_IOU * union[old, new]
        if agreed and speaking[new] and previous.tracks[old] is not None:
            tracks[new] = previous.tracks[old]
    heard = theirs.sum(axis=0) >= MIN_STITCH_FRAMES
    resplit = [t for old, t in enumerate(previous.tracks) if t is not None and t not in tracks and heard[old]]
    return tracks, resplit


def majority(windows, speaker_of, start: int, stop: int, numbers: int) -> np.ndarray:
    """Return (frames, numbers + 1) booleans for global frames [start, stop): the speakers most windows hear.

    speaker_of(track id) gives a track's speaker number or None (its frames then vote for nobody).
    """
    count = max(0, stop - start)
    votes = np.zeros((count, numbers + 1), np.float32)
    cover = np.zeros(count, np.float32)
    for window in windows:
        lo, hi = max(start, window.first), min(stop, window.stop)
        if lo >= hi:
            continue
        cover[lo - start:hi - start] += 1
        part = window.active[lo - window.first:hi - window.first]
        for slot, track_id in enumerate(window.tracks):
            speaker = speaker_of(track_id) if track_id is not None else None
            if speaker is not None:
                votes[lo - start:hi - start, speaker] += part[:, slot]
    return (votes * 2 > cover[:, None]) & (cover[:, None] > 0)


def frames_to_turns(active: np.ndarray, start: int, frame_ms: float, origin_ms: int) -> list[Turn]:
    """Return the (start_ms, end_ms, speaker) runs of a (frames, numbers + 1) activity from global frame `start`."""
    turns = []
    for speaker in range(1, active.shape[1]):
        column = np.concatenate([[False], active[:, speaker], [False]])
        edges = np.flatnonzero(np.diff(column.astype(np.int8)))
        for a, b in zip(edges[::2], edges[1::2]):
            begin = origin_ms + max(0, round((start + a - 0.5) * frame_ms))
            turns.append((begin, origin_ms + round((start + b - 0.5) * frame_ms), speaker))
    return sorted(turns)
