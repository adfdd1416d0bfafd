"""core.results.with_lengths: the word times every transcript and live result goes out with."""

from __future__ import annotations

from core.results import MIN_WORD_MS, Utterance, TextForms, Word, with_lengths, with_word_lengths


def _w(text: str, start: int, end: int) -> Word:
    return Word(text=text, offset_ms=start, duration_ms=end - start)


def _times(words: list[Word]) -> list[tuple[str, int, int]]:
    return [(w.text, w.offset_ms, w.end_ms) for w in words]


def test_a_word_without_length_takes_the_gap_after_it_else_before_it():
    words = [_w("Okay,", 11_170, 11_170), _w("I", 11_400, 11_450), _w("heard", 11_450, 11_450)]
    assert _times(with_lengths(words, 11_500)) == [("Okay,", 11_170, 11_170 + MIN_WORD_MS), ("I", 11_400, 11_450),
                                                   ("heard", 11_450, 11_500)]
    last = [_w("now", 20_000, 20_300), _w("though.", 20_430, 20_430)]
    assert _times(with_lengths(last, 20_430)) == [("now", 20_000, 20_300), ("though.", 20_330, 20_430)]


def test_a_word_without_length_or_room_shares_its_longer_neighbour():
    """Whisper put "I" of "I didn't know" and "need" of "I need the" on the very instant the next word begins."""
    first = [_w("I", 8_992, 8_992), _w("didn't", 8_992, 9_232), _w("know", 9_232, 9_392)]
    assert _times(with_lengths(first, 9_392)) == [("I", 8_992, 9_092), ("didn't", 9_092, 9_232), ("know", 9_232, 9_392)]
    inner = [_w("I", 10_132, 10_252), _w("need", 10_252, 10_252), _w("the", 10_252, 10_492)]
    assert _times(with_lengths(inner, 10_492)) == [("I", 10_132, 10_252), ("need", 10_252, 10_352), ("the", 10_352, 10_492)]


def test_times_never_go_back_and_words_do_not_overlap():
    words = [_w("need", 10_270, 10_270), _w("the", 10_250, 10_510), _w("a", 26_290, 26_450), _w("Yankee", 26_430, 26_770)]
    timed = with_lengths(words, 26_770)
    assert all(w.duration_ms > 0 for w in timed)
    assert all(b.offset_ms >= a.end_ms for a, b in zip(timed, timed[1:])), _times(timed)
    assert [w.text for w in timed] == ["need", "the", "a", "Yankee"] and timed[2].end_ms == 26_430


def test_an_utterance_widens_over_a_first_word_moved_before_it():
    forms = TextForms(display="Hi there.", lexical="hi there", itn="hi there", masked_itn="hi there")
    utterance = Utterance(result_id="r", channel=0, offset_ms=1_000, duration_ms=300, forms=forms, confidence=0.9,
                          words=[_w("Hi", 1_000, 1_000), _w("there.", 1_000, 1_300)])
    timed = with_word_lengths(utterance)
    assert timed.offset_ms == 1_000 and timed.end_ms == 1_300 and _times(timed.words) == [("Hi", 1_000, 1_100), ("there.", 1_100, 1_300)]
    alone = Utterance(result_id="r", channel=0, offset_ms=1_000, duration_ms=0, forms=forms, confidence=0.9,
                      words=[_w("Hi", 1_000, 1_000)])
    assert (with_word_lengths(alone).offset_ms, with_word_lengths(alone).end_ms) == (1_000, 1_100)  # no room: after it
    assert _times(with_word_lengths(alone, floor_ms=0).words) == [("Hi", 900, 1_000)]  # room before it, since 0 s


def test_words_aligned_to_one_instant_or_pushed_past_the_end_all_get_a_length():
    together = with_lengths([_w("I", 1_000, 1_000), _w("need", 1_000, 1_000), _w("it", 1_300, 1_500)], 1_500, floor_ms=800)
    assert all(w.duration_ms > 0 for w in together) and together[0].offset_ms == 1_000, _times(together)
    assert all(b.offset_ms >= a.end_ms for a, b in zip(together, together[1:])), _times(together)
    reheard = with_lengths([_w("so", 500, 700), _w("I", 700, 900)], 900, floor_ms=1_200)  # wholly before the result before's end
    assert all(w.duration_ms > 0 and w.offset_ms >= 1_200 for w in reheard), _times(reheard)
    assert all(b.offset_ms >= a.end_ms for a, b in zip(reheard, reheard[1:])), _times(reheard)


def test_no_word_starts_before_the_result_before_ended():
    """Consecutive live finals overlapped ("...down here." to 27.492 s, the next from "Oh," at 27.488 s), and their SRT cues."""
    words = [_w("Oh,", 27_488, 27_700), _w("I", 27_700, 27_800)]
    assert _times(with_lengths(words, 27_800, floor_ms=27_492)) == [("Oh,", 27_492, 27_700), ("I", 27_700, 27_800)]
    swallowed = [_w("So", 21_556, 21_600), _w("I", 21_600, 21_900)]  # a first word wholly before the floor gets room after it
    assert _times(with_lengths(swallowed, 21_900, floor_ms=21_636)) == [("So", 21_636, 21_736), ("I", 21_736, 21_900)]
    forms = TextForms(display="Oh, I", lexical="oh i", itn="oh i", masked_itn="oh i")
    after = with_word_lengths(Utterance(result_id="r", channel=0, offset_ms=27_488, duration_ms=312, forms=forms, confidence=0.9,
                                        words=words), floor_ms=27_492)
    assert (after.offset_ms, after.end_ms) == (27_492, 27_800)
