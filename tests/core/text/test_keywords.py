"""Keyword spotting with a threshold, on words with known confidences."""

import pytest

from core.errors import ExportError
from core.text.keywords import check_keywords, spot_keywords
from text_samples import meeting, utterance


def test_keywords_over_the_threshold_with_times_and_confidence():
    found = spot_keywords(meeting(), ("boston", "Friday", "on Friday", "Paris"), 0.85)
    assert set(found) == {"Friday", "on Friday"}  # Boston's 0.8 is under 0.85; Paris was never said
    (friday,) = found["Friday"]
    assert (friday.normalized_text, friday.start_ms, friday.end_ms, friday.confidence) == ("Friday", 1200, 1700, 0.9)
    (phrase,) = found["on Friday"]
    assert (phrase.start_ms, phrase.end_ms, phrase.confidence) == (1100, 1700, 0.945)  # mean of 0.99 and 0.9


def test_lower_threshold_admits_more_and_repeats_are_all_found():
    assert [m.confidence for m in spot_keywords(meeting(), ("Boston",), 0.8)["Boston"]] == [0.8]
    twice = utterance("Go, go!", [("Go,", 0, 200, 0.7), ("go!", 300, 200, 0.9)])
    assert [m.start_ms for m in spot_keywords(twice, ("go",), 0.5)["go"]] == [0, 300]
    assert [m.start_ms for m in spot_keywords(twice, ("go",), 0.8)["go"]] == [300]
    # normalized_text is the phrase heard without the display's punctuation around it (Watson: "Colorado")
    assert [m.normalized_text for m in spot_keywords(twice, ("go",), 0.5)["go"]] == ["Go", "go"]
    said = utterance("In the U.S. today.", [("In", 0, 100, 0.9), ("the", 100, 100, 0.9), ("U.S.", 200, 300, 0.9), ("today.", 500, 300, 0.9)])
    found = spot_keywords(said, ("u.s.", "today"), 0.5)
    assert [match.normalized_text for matches in found.values() for match in matches] == ["U.S.", "today"]


def test_keyword_rules():
    with pytest.raises(ExportError, match="threshold"):
        check_keywords(("boston",), None)
    with pytest.raises(ExportError, match="between 0 and 1"):
        check_keywords(("boston",), 1.5)
    with pytest.raises(ExportError, match="empty"):
        check_keywords(("  ",), 0.5)
    check_keywords((), None)


def test_keywords_match_the_words_as_written_or_as_spoken():
    """A transcript is spoken ("twenty five dollars") or written ("$25", smart_formatting): either keyword is heard."""
    paid = utterance("I paid $25 to Mr. Smith.", [("I", 0, 100, 0.9), ("paid", 100, 200, 0.9), ("$25", 300, 600, 0.8),
                                                  ("to", 900, 100, 0.9), ("Mr.", 1000, 200, 0.9), ("Smith.", 1200, 300, 0.9)])
    found = spot_keywords(paid, ("twenty five dollars", "$25", "mister smith", "Mr. Smith", "paid"), 0.5)
    assert [(m.normalized_text, m.start_ms, m.end_ms) for m in found["twenty five dollars"]] == [("twenty five dollars", 300, 900)]
    assert [(m.normalized_text, m.start_ms, m.end_ms) for m in found["$25"]] == [("$25", 300, 900)]
    assert [m.normalized_text for m in found["mister smith"]] == ["mister smith"]
    assert [m.normalized_text for m in found["Mr. Smith"]] == ["Mr. Smith"]
    assert len(found["paid"]) == 1  # a word both ways is one match
    assert "five dollars" in spot_keywords(paid, ("five dollars",), 0.5)  # part of a written word, as said
