"""A new transcript's speakers numbered as the transcript it replaces numbered the same voices.

Speaker rows (and the names the user gives them) belong to the conversation by number, so the numbers of a
re-transcription must be those of the voices the user already knows: each new speaker takes the number of the
earlier speaker it shares the most speaking time with (one to one), and the others take numbers not in use. Numbered
in its own order of appearance instead, a name given in the live captions could land on the other person.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
from scipy.optimize import linear_sum_assignment

from core.results import Speaker, Utterance


def _spans(utterances: list[Utterance]) -> list[tuple[int, int, int]]:
    """Return (start ms, end ms, speaker) of who speaks when: words where they have a speaker, else whole utterances."""
    spans = []
    for u in utterances:
        timed = [w for w in u.words if (w.speaker or u.speaker) is not None and w.duration_ms > 0]
        if timed:
            spans += [(w.offset_ms, w.offset_ms + w.duration_ms, w.speaker or u.speaker) for w in timed]
        elif u.speaker is not None and u.duration_ms > 0:
            spans.append((u.offset_ms, u.offset_ms + u.duration_ms, u.speaker))
    return sorted(spans)


def shared_time(before: list[Utterance], after: list[Utterance]) -> dict[tuple[int, int], int]:
    """Return {(earlier speaker, new speaker): ms both transcripts give to them at once}."""
    old, new = _spans(before), _spans(after)
    shared: dict[tuple[int, int], int] = defaultdict(int)
    first = 0
    for start, end, speaker in new:
        while first < len(old) and old[first][1] <= start:  # spans end in about the order they start
            first += 1
        k = first
        while k < len(old) and old[k][0] < end:
            overlap = min(end, old[k][1]) - max(start, old[k][0])
            if overlap > 0:
                shared[old[k][2], speaker] += overlap
            k += 1
    return dict(shared)


def speakers_in(utterances: list[Utterance]) -> list[int]:
    """Return the speaker numbers utterances or their words name."""
    return sorted({n for u in utterances for n in [u.speaker, *(w.speaker for w in u.words)] if n is not None})


def matching_numbers(before: list[Utterance], after: list[Utterance], taken: set[int]) -> dict[int, int]:
    """Return {new speaker number: number to give it}: the earlier speaker it shares the most time with, one to one;
    a number in none of `taken` (numbers the conversation uses) or the matches for the rest."""
    return matched_numbers(shared_time(before, after), speakers_in(after), taken)


def matched_numbers(shared: dict[tuple[int, int], int], news: list[int], taken: set[int]) -> dict[int, int]:
    """Return {new number: number to give it} from how much each (earlier, new) pair of speakers agrees: the best
    one-to-one matches that agree at all (Hungarian), and numbers in none of `taken` or the matches for the rest."""
    olds = sorted({a for a, _ in shared})
    numbers: dict[int, int] = {}
    if olds and news:
        cost = np.array([[-shared.get((a, b), 0) for a in olds] for b in news])
        for row, column in zip(*linear_sum_assignment(cost)):
            if cost[row, column] < 0:
                numbers[news[row]] = olds[column]
    used = set(taken) | set(numbers.values())
    fresh = (n for n in range(1, len(used) + len(news) + 2) if n not in used)
    for number in news:
        if number not in numbers:
            numbers[number] = next(fresh)
    return numbers


def renumbered(utterances: list[Utterance], speakers: dict[int, Speaker], numbers: dict[int, int]
               ) -> tuple[list[Utterance], dict[int, Speaker]]:
    """Return the utterances and speakers with each speaker number replaced as `numbers` says."""
    def number(n: int | None) -> int | None:
        return numbers.get(n, n) if n is not None else None

    moved = [replace(u, speaker=number(u.speaker), words=[replace(w, speaker=number(w.speaker)) for w in u.words])
             for u in utterances]
    return moved, {number(n): replace(s, number=number(n)) for n, s in speakers.items()}
