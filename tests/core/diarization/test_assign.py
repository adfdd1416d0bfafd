"""Words to speakers: largest overlap, nearest turn, splits where the speaker changes."""

from __future__ import annotations

import re

from core.diarization.assign import assign_speakers, piece_id
from core.diarization.turns import Diarization
from core.results import TextForms, Utterance, Word
from core.text.forms import forms_from_display


def _utterance(result_id: str, words: list[tuple[str, int, int]], confidence: float = 0.9) -> Utterance:
    ws = [Word(text=t, offset_ms=s, duration_ms=e - s, confidence=confidence) for t, s, e in words]
    display = " ".join(t for t, _, _ in words)
    return Utterance(
        result_id=result_id,
        channel=0,
        offset_ms=ws[0].offset_ms,
        duration_ms=ws[-1].end_ms - ws[0].offset_ms,
        forms=forms_from_display(display),
        confidence=confidence,
        words=ws,
    )


DIARIZATION = Diarization.from_turns([(0, 2000, "a"), (2100, 4000, "b"), (3800, 5000, "a"), (6000, 7000, "b")])


def test_utterance_is_split_where_the_speaker_changes():
    utterance = _utterance(
        "r1",
        [("Hello", 100, 500), ("there,", 600, 1900), ("I'm", 2200, 2600), ("Bob.", 2700, 3500)],
    )

    parts = assign_speakers([utterance], DIARIZATION)

    assert [p.result_id for p in parts] == [piece_id("r1", 1), piece_id("r1", 2)]
    assert all(re.fullmatch("[0-9a-f]{32}", p.result_id) for p in parts)  # GUIDs, as Azure's ResultIds are
    assert assign_speakers([utterance], DIARIZATION)[1].result_id == parts[1].result_id  # the same every time
    assert [p.speaker for p in parts] == [1, 2]
    assert parts[0].display == "Hello there,"
    assert parts[1].display == "I'm Bob."
    assert parts[1].lexical == "i'm bob"
    assert (parts[1].offset_ms, parts[1].end_ms) == (2200, 3500)
    assert all(w.speaker == p.speaker for p in parts for w in p.words)
    assert not any(p.overlapped for p in parts)


def test_a_piece_cut_where_the_speaker_changes_begins_with_a_capital_as_azures_display_does():
    """Whisper writes the rest of a sentence on in lower case: the second speaker's piece read "and I'm Bob."."""
    utterance = _utterance("r1", [("Hello", 100, 500), ("there,", 600, 1900), ("and", 2200, 2400), ("I'm", 2450, 2600),
                                  ("Bob.", 2700, 3500)])
    parts = assign_speakers([utterance], DIARIZATION)
    assert [p.display for p in parts] == ["Hello there,", "And I'm Bob."]
    assert parts[1].lexical == "and i'm bob" and parts[1].words[0].text == "and"  # the words are as heard


def test_a_fragment_of_a_sentence_cut_off_by_a_speaker_change_goes_with_the_rest_of_its_sentence():
    """The turn boundary a few hundred ms off made pieces that read as new sentences of the wrong speaker: "I'm in Jersey
    now," | "Though. Well, there isn't." and "Down here. So I" | "Don't hear that." (the desktop review, live and better)."""
    ending = _utterance("r1", [("I'm", 100, 400), ("in", 450, 700), ("Jersey", 750, 1200), ("now,", 1250, 1900),
                               ("though.", 2150, 2400), ("Well,", 2600, 2900), ("there", 3000, 3300), ("isn't.", 3400, 3900)])
    assert [(p.speaker, p.display) for p in assign_speakers([ending], DIARIZATION)] == [
        (1, "I'm in Jersey now, though."), (2, "Well, there isn't.")]
    beginning = _utterance("r2", [("down", 100, 500), ("here.", 600, 1200), ("So", 1500, 1700), ("I", 1750, 1950),
                                  ("don't", 2200, 2500), ("hear", 2600, 3000), ("that.", 3100, 3500)])
    parts = assign_speakers([beginning], DIARIZATION)
    assert [(p.speaker, p.display) for p in parts] == [(1, "Down here."), (2, "So I don't hear that.")]
    assert [w.speaker for w in parts[1].words] == [2, 2, 2, 2, 2]
    # the utterance's start and end bound a fragment of one word: "And | I'm Sheila", "Neither did | I." (the sample)
    opening = _utterance("r4", [("And", 1700, 2050), ("I'm", 2200, 2500), ("Sheila.", 2600, 3500)])
    assert [(p.speaker, p.display) for p in assign_speakers([opening], DIARIZATION)] == [(2, "And I'm Sheila.")]
    closing = _utterance("r5", [("Neither", 1200, 1500), ("did", 1600, 1900), ("I.", 2150, 2400)])
    assert [(p.speaker, p.display) for p in assign_speakers([closing], DIARIZATION)] == [(1, "Neither did I.")]
    # a speaker change after a sentence end, or a longer stretch, is left as the turns say
    reply = _utterance("r3", [("Are", 100, 400), ("you", 450, 700), ("there?", 750, 1900), ("Yes.", 2150, 2400),
                              ("I", 2600, 2900), ("am.", 3000, 3300)])
    assert [(p.speaker, p.display) for p in assign_speakers([reply], DIARIZATION)] == [(1, "Are you there?"), (2, "Yes. I am.")]


def test_only_a_first_letter_in_lower_case_is_made_a_capital():
    from core.text.words import capitalized

    assert capitalized("the meeting is adjourned.") == "The meeting is adjourned."
    assert capitalized("¿qué tal?") == "¿Qué tal?" and capitalized("и вот") == "И вот"
    for kept in ("iPhone sales are up.", "eBay", "3rd quarter", "Already", "你好", ""):
        assert capitalized(kept) == kept


def test_a_word_aligned_to_no_time_at_a_speaker_change_goes_with_its_sentence():
    """Whisper aligns some words to an instant ("I" of "I didn't know"): one that fell in the other speaker's turn
    became a result of its own with that speaker (`parley live --diarize`: "Guest-2: I" then "Guest-1: didn't know")."""
    opening = _utterance("r5", [("Hello.", 1000, 1500), ("I", 2050, 2050), ("didn't", 2050, 2300), ("know.", 2300, 2600)])
    parts = assign_speakers([opening], Diarization.from_turns([(0, 2060, "a"), (2060, 4000, "b")]))
    assert [(p.speaker, p.display) for p in parts] == [(1, "Hello."), (2, "I didn't know.")]
    closing = _utterance("r6", [("I", 1000, 1300), ("know", 1300, 1900), ("it.", 2100, 2100), ("Yes.", 2500, 2900)])
    parts = assign_speakers([closing], Diarization.from_turns([(0, 2000, "a"), (2000, 4000, "b")]))
    assert [(p.speaker, p.display) for p in parts] == [(1, "I know it."), (2, "Yes.")]
    assert [w.speaker for w in parts[0].words] == [1, 1, 1]
    alone = _utterance("r7", [("So", 2100, 2100)])  # a sliver with no neighbour keeps its own speaker
    assert [p.speaker for p in assign_speakers([alone], Diarization.from_turns([(0, 2000, "a"), (2000, 4000, "b")]))] == [2]


def test_largest_overlap_wins_and_overlap_regions_mark_utterances():
    # 3700-4500 overlaps b for 300 ms and a for 700 ms; the span 3800-4000 is overlapped speech
    utterance = _utterance("r2", [("yes", 3700, 4500), ("indeed", 4500, 4900)])
    (part,) = assign_speakers([utterance], DIARIZATION)
    assert part.result_id == "r2"
    assert part.speaker == 1
    assert part.overlapped is True
    assert part.display == utterance.display


def test_words_outside_every_turn_go_to_the_nearest_turn():
    utterance = _utterance("r3", [("late", 5300, 5500), ("word", 5800, 5900)])
    parts = assign_speakers([utterance], DIARIZATION)
    # 5300-5500 is 300 ms after a's turn, 5800-5900 is 100 ms before b's
    assert [(p.speaker, p.display) for p in parts] == [(1, "Late"), (2, "Word")]


def test_utterances_without_words_take_the_largest_overlapping_turn():
    bare = Utterance("r4", 0, 1500, 3000, TextForms("a", "a", "a", "A"), 0.5)
    (part,) = assign_speakers([bare], DIARIZATION)
    assert part.speaker == 2  # 2100-4000 covers 1900 ms of 1500-4500, a covers 500 + 700
    assert part.overlapped is True
    assert part.words == []


def test_no_turns_leaves_utterances_untouched():
    utterance = _utterance("r5", [("hi", 0, 100)])
    assert assign_speakers([utterance], Diarization()) == [utterance]


def test_a_split_utterances_n_best_hypotheses_are_cut_with_it():
    from dataclasses import replace

    from core.results import Alternative

    utterance = _utterance("r1", [("Hello", 100, 500), ("there,", 600, 1900), ("I'm", 2200, 2600), ("Bob.", 2700, 3500)])
    utterance = replace(utterance, alternatives=[Alternative(forms_from_display("Hello there, I'm Rob."), 0.5),
                                                 Alternative(forms_from_display("Yellow hair, I'm Bob."), 0.3)])
    first, second = assign_speakers([utterance], DIARIZATION)
    assert [(a.forms.itn, a.confidence) for a in first.alternatives] == [("yellow hair", 0.3)]  # "hello there" is the piece
    assert [(a.forms.itn, a.confidence) for a in second.alternatives] == [("i'm rob", 0.5)]
