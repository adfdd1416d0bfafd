"""N-best alternatives: word alternatives aligned from the hypotheses, and max_alternatives in the views."""

from datetime import datetime, timezone

from core.results import Conversation
from core.text.alternatives import word_alternatives
from core.views.azure_batch_v3 import batch_v3_result
from core.views.watson import speech_recognition_results
from text_samples import meeting

CREATED = datetime(2026, 3, 1, tzinfo=timezone.utc)


def test_word_alternatives_from_the_nbest_list():
    spans = word_alternatives(meeting(), threshold=0.0)
    by_start = {s.start_ms: s.candidates for s in spans}
    assert by_start[200] == (("meet", 0.6), ("meat", 0.3))
    assert by_start[600] == (("boston", 0.8), ("austin", 0.2))
    assert by_start[0] == (("we", 0.95), ("let's", 0.1))  # "Let's meet" puts "let's" where "we" was
    assert len(spans) == 6


def test_threshold_and_hypothesis_limit():
    spans = word_alternatives(meeting(), threshold=0.25)
    assert {s.start_ms: s.candidates for s in spans}[600] == (("boston", 0.8),)
    assert {s.start_ms: s.candidates for s in spans}[200] == (("meet", 0.6), ("meat", 0.3))
    limited = word_alternatives(meeting(), threshold=0.0, max_hypotheses=2)
    assert {s.start_ms: s.candidates for s in limited}[600] == (("boston", 0.8),)


def _conversation():
    return Conversation("c", "t", CREATED, 2_000, "a.wav", "en-US", "tiny.en", utterances=[meeting()])


def test_max_alternatives_caps_nbest_in_azure_and_watson():
    phrases = batch_v3_result(_conversation())["recognizedPhrases"]
    assert [h["display"] for h in phrases[0]["nBest"]] == [
        "We meet in Boston on Friday.", "We meat in Boston on Friday.", "We meet in Austin on Friday.",
        "Let's meet in Boston on Friday.",
    ]
    capped = batch_v3_result(_conversation(), max_alternatives=2)["recognizedPhrases"][0]["nBest"]
    assert [h["confidence"] for h in capped] == [0.9, 0.3]
    watson = speech_recognition_results(_conversation(), max_alternatives=3)["results"][0]["alternatives"]
    assert [a["transcript"] for a in watson] == ["we meet in boston on friday ", "we meat in boston on friday ", "we meet in austin on friday "]
    assert speech_recognition_results(_conversation())["results"][0]["alternatives"][1:] == []  # Watson's default is 1


def test_watson_word_alternatives_shape():
    result = speech_recognition_results(_conversation(), word_alternatives_threshold=0.25)["results"][0]
    spans = result["word_alternatives"]
    assert spans[1] == {"start_time": 0.2, "end_time": 0.5, "alternatives": [{"word": "meet", "confidence": 0.6}, {"word": "meat", "confidence": 0.3}]}
    assert "word_alternatives" not in speech_recognition_results(_conversation())["results"][0]
