"""A re-transcription's speakers numbered as the transcript it replaces numbered the same voices."""

from __future__ import annotations

from core.diarization.renumber import matching_numbers, renumbered
from core.results import Speaker, TextForms, Utterance, Word


def _said(speaker: int, start_s: float, end_s: float, *, words: bool = True) -> Utterance:
    begin, end = int(start_s * 1000), int(end_s * 1000)
    timed = [Word("w", begin, end - begin, 0.9, speaker)] if words else []
    return Utterance(f"{speaker}{begin}", 0, begin, end - begin, TextForms("w", "w", "w", "W."), 0.9, speaker=speaker, words=timed)


def test_each_voice_takes_the_number_it_shared_most_time_with_and_new_voices_take_free_numbers():
    before = [_said(3, 0, 5), _said(1, 5, 9), _said(3, 9, 12), _said(5, 20, 22)]  # 5: a voice only the captions had
    after = [_said(1, 0.2, 4.8), _said(2, 5.1, 9.2, words=False), _said(1, 9.0, 12), _said(3, 13, 15)]
    numbers = matching_numbers(before, after, taken={1, 3, 5, 6})
    assert numbers == {1: 3, 2: 1, 3: 2}  # 3 heard what no earlier voice said: the first number not taken
    moved, speakers = renumbered(after, {n: Speaker(n) for n in (1, 2, 3)}, numbers)
    assert [(u.speaker, [w.speaker for w in u.words]) for u in moved] == [(3, [3]), (1, []), (3, [3]), (2, [2])]
    assert speakers == {3: Speaker(3), 1: Speaker(1), 2: Speaker(2)}


def test_without_earlier_speakers_the_numbers_stay_as_they_are():
    after = [_said(1, 0, 2), _said(2, 2, 4)]
    assert matching_numbers([], after, taken=set()) == {1: 1, 2: 2}
