"""The sample conversation with speakers taken from the reference sample.rttm (until the diarizer provides them).

Each word goes to the RTTM speaker whose turns overlap it most (the nearest turn in a pause); an utterance goes to the speaker
holding most of its words' time. Speaker 1 gets a non-ASCII name the user might have typed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.results import Conversation, Speaker

NAMES = {1: "Zoë Ødegård"}


def rttm_turns(path: Path) -> list[tuple[int, int, str]]:
    """Return (start ms, end ms, label) for each SPEAKER line of an RTTM file."""
    turns = []
    for line in path.read_text().splitlines():
        fields = line.split()
        if fields and fields[0] == "SPEAKER":
            start = round(float(fields[3]) * 1000)
            turns.append((start, start + round(float(fields[4]) * 1000), fields[7]))
    return turns


def _best(turns, start: int, end: int, numbers: dict[str, int]) -> int | None:
    overlaps: dict[int, int] = {}
    for t_start, t_end, label in turns:
        overlap = min(end, t_end) - max(start, t_start)
        if overlap > 0:
            overlaps[numbers[label]] = overlaps.get(numbers[label], 0) + overlap
    if overlaps:
        return max(overlaps, key=overlaps.get)
    # a word in a pause between turns goes to the nearest turn
    nearest = min(turns, key=lambda t: max(t[0] - end, start - t[1]))
    return numbers[nearest[2]]


def with_reference_speakers(conversation: Conversation, rttm: Path) -> Conversation:
    """Return a copy of the conversation whose words and utterances carry the reference speakers."""
    turns = rttm_turns(rttm)
    numbers: dict[str, int] = {}
    for _, _, label in sorted(turns):
        numbers.setdefault(label, len(numbers) + 1)
    utterances = []
    for utterance in conversation.utterances:
        words = [replace(w, speaker=_best(turns, w.offset_ms, w.end_ms, numbers)) for w in utterance.words]
        held: dict[int, int] = {}
        for w in words:
            if w.speaker is not None:
                held[w.speaker] = held.get(w.speaker, 0) + w.duration_ms
        speaker = max(held, key=held.get) if held else _best(turns, utterance.offset_ms, utterance.end_ms, numbers)
        utterances.append(replace(utterance, words=words, speaker=speaker))
    speakers = {n: Speaker(n, NAMES.get(n)) for n in numbers.values()}
    return replace(conversation, utterances=utterances, speakers=speakers, title="Sample: two callers")
