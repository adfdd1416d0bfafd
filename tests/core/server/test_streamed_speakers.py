"""The WebSocket's speaker labels at the stop keep the numbers the streamed labels gave (core.server.streamed_speakers)."""

from __future__ import annotations

import numpy as np

from core.live.speakers import NoSpeakers
from core.results import TextForms, Utterance, Word
from core.server.streamed_speakers import StreamedSpeakers


def _phrase(result_id: str, start_ms: int, speakers: list[int | None]) -> Utterance:
    words = [Word(f"w{n}", start_ms + 500 * n, 400, 0.9, speaker) for n, speaker in enumerate(speakers)]
    text = " ".join(w.text for w in words)
    majority = max(set(speakers) - {None}, key=speakers.count) if set(speakers) - {None} else None
    return Utterance(result_id, 0, start_ms, 500 * len(words), TextForms(text, text, text, text), 0.9, majority, words)


def _speakers_of(utterances) -> list[list[int | None]]:
    return [[w.speaker for w in u.words] for u in utterances]


def test_the_whole_audio_labels_take_the_streamed_numbers_of_the_voices_they_agree_on():
    speakers = StreamedSpeakers(NoSpeakers())
    # streamed: the first voice was 1, the second 2 (one word of the second phrase was taken for the first voice)
    speakers.sent = {0: 1, 500: 1, 5000: 2, 5500: 1, 6000: 2}
    # the whole audio numbered them the other way round, and found a third voice after the streamed labels
    found = [_phrase("a", 0, [2, 2]), _phrase("b", 5000, [1, 1, 1]), _phrase("c", 9000, [3, None])]
    renumbered = speakers.numbered_as_streamed(found)
    assert _speakers_of(renumbered) == [[1, 1], [2, 2, 2], [3, None]]
    assert [u.speaker for u in renumbered] == [1, 2, 3]
    assert [u.display for u in renumbered] == [u.display for u in found]


def test_a_new_voice_never_takes_a_streamed_number():
    speakers = StreamedSpeakers(NoSpeakers())
    speakers.sent = {0: 1, 1000: 2, 2000: 3}  # the stream told three voices apart
    # the whole audio hears two of them as one, and a voice first heard after the streamed labels
    found = [_phrase("a", 0, [1]), _phrase("b", 1000, [2]), _phrase("c", 2000, [2]), _phrase("d", 5000, [3])]
    numbers = [u.speaker for u in speakers.numbered_as_streamed(found)]
    assert numbers[0] == 1 and numbers[1] == numbers[2] in (2, 3)
    assert numbers[3] == 4  # not 3: that number meant another voice in the labels already sent


def test_without_streamed_labels_the_numbers_stay():
    found = [_phrase("a", 0, [2, 1])]
    assert _speakers_of(StreamedSpeakers(NoSpeakers()).numbered_as_streamed(found)) == [[2, 1]]



def test_a_tracker_that_knows_no_speaker_sends_no_labels():
    speakers = StreamedSpeakers(NoSpeakers())
    speakers.hear(np.zeros(32_000, np.float32))
    assert speakers.labels([_phrase("a", 0, [None, None])]) is None and speakers.sent == {}
