"""What a recognizer event becomes as live results: speakers, pieces, result indexes and word times.

An interim takes the tracker's current guess (interim_turns: peek() when it has one). A final
takes its settled turns (label()), or when none falls within it the nearest that ended less than
NEAREST_TURN_MS before it, and is cut where the speaker changes: each piece is a final result of
its own with the next result_index (the first keeps the interims' result id and index), and every
later result's index moves on by the pieces added. Words whisper gave no time go with their
neighbours' speaker first, and are then given some (core.results.with_lengths); no result starts
before the last final ended (consecutive finals overlapped, and so did their SRT cues).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.asr.streaming_options import RecognitionEvent
from core.live.speakers import LiveSpeakerTracker, interim_turns, label_utterance, split_by_speaker
from core.results import Utterance, with_word_lengths

# a final in which the tracker heard no speaker (a short word in a gap between its turns) takes the
# speaker of a turn that ended at most this long before it: one who just spoke, not "Unknown"
NEAREST_TURN_MS = 1_000


@dataclass(frozen=True)
class Shaped:
    """One result to post: its utterance (speakers set), result_index, committed words and why it ended."""

    utterance: Utterance
    index: int
    stable_words: int
    final: bool
    no_match: bool = False
    ending: str | None = None  # Watson's end_of_utterance; None on a piece that ends where the speaker changes


class ResultShaper:
    """Turns the recognizer's events into the session's results, in order (see the module doc)."""

    def __init__(self, tracker: LiveSpeakerTracker):
        self.tracker = tracker
        self._index_shift = 0  # result indexes added by finals cut at speaker changes
        self._said_to_ms = 0  # where the last final ended: no later result starts before it

    def shape(self, event: RecognitionEvent, locale: str) -> list[Shaped]:
        """Return the results of one event: an interim, a no-match final, or a final's pieces (one per speaker)."""
        heard, index = event.utterance, event.result_index + self._index_shift
        if not event.final:
            utterance = label_utterance(heard, interim_turns(self.tracker, heard.offset_ms, heard.end_ms))
            return [Shaped(with_word_lengths(utterance, self._said_to_ms), index, event.stable_words, final=False)]
        if event.no_match:
            return [Shaped(heard, index, event.stable_words, final=True, no_match=True, ending=event.end_of_utterance)]
        turns = self.tracker.label(heard.offset_ms, heard.end_ms)
        if not turns:  # turns before the final were fixed by earlier finals: asking again changes nothing
            turns = self.tracker.label(heard.offset_ms - NEAREST_TURN_MS, heard.end_ms)
        pieces = []  # [heard] when no speaker is known
        for piece in split_by_speaker(heard, turns, locale=locale):
            pieces.append(with_word_lengths(piece, self._said_to_ms))
            self._said_to_ms = max(self._said_to_ms, pieces[-1].end_ms)
        self._index_shift += len(pieces) - 1
        # a piece before the last ends where the speaker changes, a cause Watson has no word for
        return [Shaped(piece, index + n, len(piece.words), final=True,
                       ending=event.end_of_utterance if n == len(pieces) - 1 else None) for n, piece in enumerate(pieces)]
