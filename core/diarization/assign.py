"""Give every word and utterance a speaker, splitting utterances where the speaker changes.

Each word goes to the speaker whose turns overlap it most (the nearest turn when none
does); an utterance whose words change speaker is split there, so every utterance has
exactly one speaker. Split parts get result ids derived from the original (``piece_id``: a
GUID made from it and the part's number, as Azure's ResultIds are GUIDs) and their text forms
are rebuilt from their words (joined with single spaces; whisper words carry their own
punctuation), and so are their N-best alternatives: each hypothesis cut where it lines up with
the part's words. An utterance that touches a span where two or more voices overlap is marked ``overlapped``.
"""

from __future__ import annotations

import bisect
import uuid
from dataclasses import replace

from core.diarization.turns import Diarization, _merge_spans
from core.results import Alternative, Utterance, Word
from core.text.forms import forms_from_display, forms_of_words, word_token
from core.text.words import ends_sentence


SLIVER_MS = 50  # a word spanning less than this is placed by its neighbours, not by its instant
FRAGMENT_WORDS = 2  # at most this many words of a sentence whisper wrote whole go with the speaker of the rest of it


def piece_id(result_id: str, n: int) -> str:
    """Return the result id of part `n` (from 1) of a result split at speaker changes: a GUID (32 hex digits) that
    the same result and part always get. It was "{result_id}-{n}", which no Azure client can read as a GUID."""
    return uuid.uuid5(uuid.NAMESPACE_OID, f"{result_id}-{n}").hex


class _SpeakerIndex:
    """Each speaker's merged speech spans, searchable by time."""

    def __init__(self, diarization: Diarization):
        spans: dict[int, list[tuple[int, int]]] = {}
        for turn in diarization.turns:
            spans.setdefault(turn.speaker, []).append((turn.start_ms, turn.end_ms))
        self.spans = {speaker: _merge_spans(s) for speaker, s in spans.items()}
        self.starts = {speaker: [s for s, _ in merged] for speaker, merged in self.spans.items()}
        self.overlaps = diarization.overlaps

    def _overlap(self, speaker: int, start: int, end: int) -> int:
        spans, starts = self.spans[speaker], self.starts[speaker]
        i = max(0, bisect.bisect_right(starts, start) - 1)
        total = 0
        while i < len(spans) and spans[i][0] < end:
            total += max(0, min(end, spans[i][1]) - max(start, spans[i][0]))
            i += 1
        return total

    def _distance(self, speaker: int, start: int, end: int) -> int:
        spans, starts = self.spans[speaker], self.starts[speaker]
        i = bisect.bisect_right(starts, start)
        best = None
        for j in (i - 1, i):
            if 0 <= j < len(spans):
                s, e = spans[j]
                gap = max(0, s - end, start - e)
                best = gap if best is None else min(best, gap)
        return best if best is not None else 1 << 62

    def speaker_of(self, start: int, end: int) -> int | None:
        """Return the speaker talking most in [start, end), else the nearest one, else None."""
        if not self.spans:
            return None
        if end <= start:
            end = start + 1
        overlaps = {speaker: self._overlap(speaker, start, end) for speaker in self.spans}
        best = max(overlaps, key=lambda s: (overlaps[s], -s))
        if overlaps[best] > 0:
            return best
        return min(self.spans, key=lambda s: (self._distance(s, start, end), s))

    def is_overlapped(self, start: int, end: int) -> bool:
        """Return True when [start, end) touches a span where two or more voices overlap."""
        return any(s < end and e > start for s, e in self.overlaps)


def _cut_alternatives(utterance: Utterance, first: int, stop: int, locale: str) -> list[Alternative]:
    """Return the utterance's N-best hypotheses cut to its words [first, stop): each hypothesis' words lined up with
    the best one's (difflib), the part between the words it holds at those borders (none when that part is empty or
    reads as the piece does)."""
    from difflib import SequenceMatcher

    best = [word_token(w.text) for w in utterance.words]
    piece = " ".join(best[first:stop])
    cut: list[Alternative] = []
    for alternative in utterance.alternatives:
        tokens = alternative.forms.itn.split()
        matcher = SequenceMatcher(a=best, b=tokens, autojunk=False)

        def place(i: int) -> int:  # where the best hypothesis' word boundary i falls among the alternative's words
            for tag, i1, i2, j1, j2 in matcher.get_opcodes():
                if i1 <= i < i2 or (i == i2 == len(best)):
                    return j1 + (i - i1 if tag == "equal" else round((i - i1) * (j2 - j1) / max(i2 - i1, 1)))
            return len(tokens)

        text = " ".join(tokens[place(first) : place(stop) if stop < len(best) else len(tokens)])
        if text and text != piece and all(a.forms.itn != text for a in cut):
            cut.append(Alternative(forms_from_display(text, locale), alternative.confidence))
    return cut


def _rebuilt(utterance: Utterance, words: list[Word], speaker: int, result_id: str, index: _SpeakerIndex, locale: str,
             alternatives: list[Alternative]) -> Utterance:
    start = min(w.offset_ms for w in words)
    end = max(w.end_ms for w in words)
    confidences = [w.confidence for w in words if w.confidence is not None]
    return replace(
        utterance,
        result_id=result_id,
        offset_ms=start,
        duration_ms=end - start,
        forms=forms_of_words((w.text.strip() for w in words), locale),
        confidence=round(sum(confidences) / len(confidences), 4) if confidences else utterance.confidence,
        speaker=speaker,
        words=words,
        alternatives=alternatives,
        overlapped=index.is_overlapped(start, end),
        sentiment=None,
    )


def _runs(words: list[Word]) -> list[list[Word]]:
    runs: list[list[Word]] = []
    for word in words:
        if runs and runs[-1][-1].speaker == word.speaker:
            runs[-1].append(word)
        else:
            runs.append([word])
    return runs


def _placed_by_neighbours(words: list[Word]) -> list[Word]:
    """Return the words with each sliver (a word spanning under SLIVER_MS) given a neighbour's speaker: the next
    timed word's when it opens a sentence, else the previous word's. Whisper aligns some words to no time at all ("I"
    of "I didn't know"): at a speaker change such a word went to whichever turn its instant fell in, and became a
    result of its own, with the other speaker."""
    placed = list(words)
    for i, word in enumerate(placed):
        if word.end_ms - word.offset_ms >= SLIVER_MS:
            continue
        opens_sentence = i == 0 or ends_sentence(placed[i - 1].text)
        timed = next((w for w in placed[i + 1 :] if w.end_ms - w.offset_ms >= SLIVER_MS), None) if opens_sentence else None
        neighbour = timed or (placed[i - 1] if i else None)
        if neighbour is not None and neighbour.speaker != word.speaker:
            placed[i] = replace(word, speaker=neighbour.speaker)
    return placed


def _fragments_rejoined(words: list[Word]) -> list[Word]:
    """Return the words with a sentence's fragment cut off by a speaker change given to the speaker of the rest of
    that sentence: where whisper wrote no sentence end at the change, the first words after it up to a sentence end
    ("now, | though. Well, there isn't") or the last ones before it after one ("down here. So I | don't hear that"),
    when they are at most FRAGMENT_WORDS and fewer than the rest of their sentence, are the turn boundary a few
    hundred ms off, not the other voice: they read as a new sentence of the wrong speaker ("Though. Well, ...").
    The utterance's own start and end bound a fragment of one word ("And | I'm Sheila in Texas", "Neither did | I.").
    A change after a sentence end, and a longer stretch ("Hello there, | and I'm Bob."), are left as the turns say."""
    placed = list(words)
    for i in range(1, len(placed)):
        if placed[i].speaker == placed[i - 1].speaker or ends_sentence(placed[i - 1].text):
            continue
        before, after = placed[i - 1].speaker, placed[i].speaker
        run_end = next((j for j in range(i, len(placed)) if placed[j].speaker != after), len(placed))
        run_start = next((j + 1 for j in range(i - 1, -1, -1) if placed[j].speaker != before), 0)
        head = next((j + 1 - i for j in range(i, run_end) if ends_sentence(placed[j].text)), None)
        lead = next((i - 1 - j for j in range(i - 1, run_start - 1, -1) if ends_sentence(placed[j].text)), None)
        head_limit = lead_limit = FRAGMENT_WORDS
        if head is None and run_end == len(placed):  # the utterance's end ends the sentence
            head, head_limit = run_end - i, 1
        if lead is None and run_start == 0:  # and its start begins it
            lead, lead_limit = i, 1
        if head is not None and head <= head_limit and (lead is None or head < lead):
            placed[i:i + head] = [replace(w, speaker=before) for w in placed[i:i + head]]
        elif lead is not None and 0 < lead <= lead_limit and (head is None or lead < head):
            placed[i - lead:i] = [replace(w, speaker=after) for w in placed[i - lead:i]]
    return placed


def assign_speakers(utterances: list[Utterance], diarization: Diarization, *, locale: str = "en-US") -> list[Utterance]:
    """Return the utterances with speakers set, split where the speaker changes, in the same order."""
    index = _SpeakerIndex(diarization)
    if not index.spans:
        return list(utterances)
    result: list[Utterance] = []
    for utterance in utterances:
        if not utterance.words:
            speaker = index.speaker_of(utterance.offset_ms, utterance.end_ms)
            overlapped = index.is_overlapped(utterance.offset_ms, utterance.end_ms)
            result.append(replace(utterance, speaker=speaker, overlapped=overlapped))
            continue
        words = _placed_by_neighbours([replace(w, speaker=index.speaker_of(w.offset_ms, w.end_ms)) for w in utterance.words])
        words = _fragments_rejoined(words)
        runs = _runs(words)
        if len(runs) == 1:
            overlapped = index.is_overlapped(utterance.offset_ms, utterance.end_ms)
            result.append(replace(utterance, speaker=words[0].speaker, words=words, overlapped=overlapped))
            continue
        first = 0
        for n, run in enumerate(runs, 1):
            alternatives = _cut_alternatives(utterance, first, first + len(run), locale) if utterance.alternatives else []
            result.append(_rebuilt(utterance, run, run[0].speaker, piece_id(utterance.result_id, n), index, locale, alternatives))
            first += len(run)
    return result
