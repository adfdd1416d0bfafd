"""The committed speaker turns of a live session: appended in time order, searchable by span."""

from __future__ import annotations

import bisect

Turn = tuple[int, int, int]  # (start_ms, end_ms, speaker number from 1)


class SpeakerTimeline:
    """Speaker turns added in order of their start; a turn that continues the speaker's last one extends it."""

    def __init__(self):
        self._turns: list[list[int]] = []  # [start_ms, end_ms, speaker], sorted by start
        self._starts: list[int] = []
        self._reach: list[int] = []  # the latest end among turns[0..i], for span searches
        self._last: dict[int, int] = {}  # speaker -> index of their latest turn

    def __len__(self) -> int:
        return len(self._turns)

    def add(self, turns: list[Turn]) -> None:
        """Append turns (sorted, none starting before the last one added), joining touching turns of a speaker."""
        for start, end, speaker in turns:
            last = self._last.get(speaker)
            if last is not None and self._turns[last][1] >= start:
                self._turns[last][1] = max(self._turns[last][1], end)
                for i in range(last, len(self._turns)):
                    self._reach[i] = max(self._reach[i], end)
                continue
            if self._starts and start < self._starts[-1]:
                raise ValueError(f"turn at {start} ms comes before the last one added ({self._starts[-1]} ms)")
            self._last[speaker] = len(self._turns)
            self._turns.append([start, end, speaker])
            self._starts.append(start)
            self._reach.append(max(end, self._reach[-1] if self._reach else end))

    def within(self, start_ms: int, end_ms: int) -> list[Turn]:
        """Return the turns overlapping [start_ms, end_ms), cut to it, in order of start."""
        found = []
        i = bisect.bisect_left(self._starts, end_ms) - 1
        while i >= 0 and self._reach[i] > start_ms:
            start, end, speaker = self._turns[i]
            if end > start_ms:
                found.append((max(start, start_ms), min(end, end_ms), speaker))
            i -= 1
        return found[::-1]
