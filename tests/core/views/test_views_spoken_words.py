"""The words listed beside a transcript are the transcript's own words: Watson timestamps, speaker labels and word
alternatives, Azure lexical words, whatever the phrase's numbers (core.text.forms.spoken_timeline)."""

from __future__ import annotations

import pytest

from core.results import Alternative, Utterance, Word
from core.text.forms import forms_from_display
from core.views.azure_batch_v3 import batch_v3_result
from core.views.watson import speech_recognition_results


def _conversation(display: str, locale: str, words: list[str], alternatives=()):
    from core.results import Conversation, utc_now

    timed = [Word(text, 1000 + 400 * n, 300, 0.9, 1) for n, text in enumerate(words)]
    utterance = Utterance("u1", 0, 1000, 400 * len(words), forms_from_display(display, locale), 0.9, 1, timed,
                          [Alternative(forms_from_display(text, locale), 0.5) for text in alternatives])
    return Conversation("c1", "t", utc_now(), 400 * len(words) + 1000, "file", locale, "tiny.en", 1, [utterance])


PHRASES = [
    ("I counted 123 sheep.", "en-US", ["I", "counted", "123", "sheep."]),
    ("I paid $25 in 1990 to Mr. Smith on the 3rd.", "en-US", ["I", "paid", "$25", "in", "1990", "to", "Mr.", "Smith", "on", "the", "3rd."]),
    ("Es kostet 3 500 Euro.", "de-DE", ["Es", "kostet", "3", "500", "Euro."]),
    ("Il y a 3 500 000 habitants.", "fr-FR", ["Il", "y", "a", "3", "500", "000", "habitants."]),
]


@pytest.mark.parametrize("display, locale, words", PHRASES)
def test_every_list_of_words_reads_as_its_transcript(display, locale, words):
    conversation = _conversation(display, locale, words)
    document = speech_recognition_results(conversation, speaker_labels=True)
    best = document["results"][0]["alternatives"][0]
    said = best["transcript"].split()
    assert [t[0] for t in best["timestamps"]] == said
    assert [w for w, _ in best["word_confidence"]] == said
    assert [label["from"] for label in document["speaker_labels"]] == [t[1] for t in best["timestamps"]]
    starts = [t[1] for t in best["timestamps"]]
    assert starts == sorted(starts) and all(t[1] <= t[2] for t in best["timestamps"])
    assert starts[0] == 1.0 and best["timestamps"][-1][2] == pytest.approx(1.0 + 0.4 * (len(words) - 1) + 0.3)
    phrase = batch_v3_result(conversation, word_timestamps=True)["recognizedPhrases"][0]["nBest"][0]
    assert [w["word"] for w in phrase["words"]] == phrase["lexical"].split()


def test_word_alternatives_are_spoken_beside_a_spoken_transcript():
    conversation = _conversation("It costs $25.", "en-US", ["It", "costs", "$25."], alternatives=["It costs $35."])
    result = speech_recognition_results(conversation, word_alternatives_threshold=0.1)["results"][0]
    spans = result["word_alternatives"]
    assert [[a["word"] for a in span["alternatives"]] for span in spans] == [["it"], ["costs"], ["twenty", "thirty"], ["five"], ["dollars"]]
    assert [span["start_time"] for span in spans] == [t[1] for t in result["alternatives"][0]["timestamps"]]
    written = speech_recognition_results(conversation, word_alternatives_threshold=0.1, smart_formatting=True)["results"][0]
    assert [[a["word"] for a in span["alternatives"]] for span in written["word_alternatives"]] == [["it"], ["costs"], ["$25", "$35"]]
