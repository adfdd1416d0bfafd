"""Who spoke when: speaker turns in integer milliseconds, numbered from 1 by first appearance."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.results import seconds_to_ms


@dataclass(frozen=True)
class SpeakerTurn:
    """One stretch of speech by one speaker (numbers from 1, in order of first appearance)."""

    start_ms: int
    end_ms: int
    speaker: int

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def overlap_spans(turns: list[SpeakerTurn]) -> list[tuple[int, int]]:
    """Return the merged millisecond spans where two or more speakers talk at once."""
    events = sorted([(t.start_ms, 1) for t in turns] + [(t.end_ms, -1) for t in turns], key=lambda e: (e[0], e[1]))
    spans, active, opened = [], 0, None
    for time_ms, step in events:
        active += step
        if active >= 2 and opened is None:
            opened = time_ms
        elif active < 2 and opened is not None:
            if time_ms > opened:
                spans.append((opened, time_ms))
            opened = None
    return _merge_spans(spans)


@dataclass
class Diarization:
    """The turns of a recording, the spans where voices overlap and how many speakers there are."""

    turns: list[SpeakerTurn] = field(default_factory=list)
    overlaps: list[tuple[int, int]] = field(default_factory=list)
    num_speakers: int = 0

    @classmethod
    def from_turns(cls, turns: list[tuple[int, int, object]]) -> "Diarization":
        """Return a Diarization from (start_ms, end_ms, any label) turns, renumbering labels 1, 2, ..."""
        ordered = sorted((t for t in turns if t[1] > t[0]), key=lambda t: (t[0], t[1]))
        numbers: dict[object, int] = {}
        result = []
        for start, end, label in ordered:
            number = numbers.setdefault(label, len(numbers) + 1)
            result.append(SpeakerTurn(int(start), int(end), number))
        return cls(turns=result, overlaps=overlap_spans(result), num_speakers=len(numbers))

    @classmethod
    def from_annotation(cls, annotation) -> "Diarization":
        """Return the Diarization of a pyannote.core Annotation (labels renumbered by first appearance)."""
        return cls.from_turns(
            [
                (seconds_to_ms(segment.start), seconds_to_ms(segment.end), label)
                for segment, _, label in annotation.itertracks(yield_label=True)
            ]
        )

    def to_annotation(self, uri: str = "audio"):
        """Return the turns as a pyannote.core Annotation (labels "1", "2", ...)."""
        from pyannote.core import Annotation, Segment

        annotation = Annotation(uri=uri)
        for i, turn in enumerate(self.turns):
            annotation[Segment(turn.start_ms / 1000, turn.end_ms / 1000), i] = str(turn.speaker)
        return annotation

    def to_rttm(self, uri: str) -> str:
        """Return the turns as RTTM lines (one SPEAKER line per turn, times in seconds)."""
        return "".join(
            f"SPEAKER {uri} 1 {t.start_ms / 1000:.3f} {t.duration_ms / 1000:.3f} <NA> <NA> {t.speaker} <NA> <NA>\n"
            for t in self.turns
        )

    def speakers(self) -> list[int]:
        """Return the speaker numbers present, in order."""
        return sorted({t.speaker for t in self.turns})

    def speech_ms(self, speaker: int) -> int:
        """Return how many milliseconds a speaker talks in total."""
        return sum(t.duration_ms for t in self.turns if t.speaker == speaker)
