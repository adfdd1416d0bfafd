"""Incremental speaker clustering for live sessions: one centroid per speaker, numbered in order of appearance."""

from __future__ import annotations

import numpy as np

FOUND, JOIN, WAIT = "found", "join", "wait"


class SpeakerCentroids:
    """Speakers as weighted sums of unit embeddings; an embedding joins the nearest one within a threshold.

    A speaker whose every contribution is withdrawn (the tracks that made it turned out to mix
    voices) falls vacant: it attracts nothing, and the next new voice takes its number, so
    numbers stay in order of appearance without gaps.
    """

    def __init__(self, threshold: float, max_speakers: int):
        self.threshold = threshold
        self.max_speakers = max_speakers
        self._sums: list[np.ndarray] = []  # speaker n at index n - 1
        self._weights: list[float] = []

    def __len__(self) -> int:
        """Return how many speakers hold a centroid now (vacant numbers not counted)."""
        return sum(1 for w in self._weights if w > 1e-6)

    @property
    def numbers(self) -> int:
        """Return the highest speaker number handed out so far."""
        return len(self._sums)

    def distances(self, vector: np.ndarray) -> np.ndarray:
        """Return the cosine distance of a unit vector to each speaker's centroid (inf for vacant ones)."""
        out = np.full(len(self._sums), np.inf)
        for i, (total, weight) in enumerate(zip(self._sums, self._weights)):
            norm = float(np.linalg.norm(total))
            if weight > 1e-6 and norm > 0:
                out[i] = 1.0 - float(total @ vector) / norm
        return out

    def choose(self, vector: np.ndarray, taken: set, *, may_found: bool) -> tuple[str, int | None]:
        """Return (JOIN, n) for the nearest free speaker within the threshold, (FOUND, n) for a new one,
        or (WAIT, None) when the voice is new but may not found a speaker yet."""
        distances = self.distances(vector)
        free = [i + 1 for i in np.argsort(distances) if i + 1 not in taken and np.isfinite(distances[i])]
        if free and distances[free[0] - 1] < self.threshold:
            return JOIN, free[0]
        if len(self) < self.max_speakers:
            return (FOUND, self._next_number()) if may_found else (WAIT, None)
        return (JOIN, free[0]) if free else (WAIT, None)

    def nearest(self, vector: np.ndarray, *, among: set, below: float, unless: set) -> int | None:
        """Return the speaker of `among` nearest to a unit vector, when it is within `below` and no speaker
        outside `among` and `unless` is nearer; else None."""
        distances = self.distances(vector)
        near = [s for s in among if s is not None and distances[s - 1] < below]
        if not near:
            return None
        best = min(near, key=lambda s: distances[s - 1])
        excluded = among | unless
        others = [d for i, d in enumerate(distances) if i + 1 not in excluded]
        return best if not others or distances[best - 1] <= min(others) else None

    def distance(self, vector: np.ndarray, speaker: int) -> float:
        """Return the cosine distance of a unit vector to one speaker's centroid."""
        return float(self.distances(vector)[speaker - 1])

    def add(self, speaker: int, vector: np.ndarray, weight: float) -> None:
        """Add a weighted unit embedding to a speaker (founding it when new)."""
        while len(self._sums) < speaker:
            self._sums.append(np.zeros_like(vector))
            self._weights.append(0.0)
        self._sums[speaker - 1] = self._sums[speaker - 1] + weight * vector
        self._weights[speaker - 1] += weight

    def withdraw(self, speaker: int, vector: np.ndarray, weight: float) -> None:
        """Take an embedding back out of a speaker's centroid (the speaker falls vacant when nothing is left)."""
        self._sums[speaker - 1] = self._sums[speaker - 1] - weight * vector
        self._weights[speaker - 1] -= weight
        if self._weights[speaker - 1] <= 1e-6:
            self._sums[speaker - 1] = np.zeros_like(vector)
            self._weights[speaker - 1] = 0.0

    def _next_number(self) -> int:
        for i, weight in enumerate(self._weights):
            if weight <= 1e-6:
                return i + 1
        return len(self._sums) + 1
