"""Sentiment with VADER on clearly positive, negative and neutral sentences."""

from core.text.sentiment import sentiment_of


def test_positive_sentence():
    s = sentiment_of("I love this plan, it is wonderful and the team did a great job!")
    assert s.positive > 0.4 and s.negative == 0 and s.positive > s.neutral / 2


def test_negative_sentence():
    s = sentiment_of("This is terrible. I hate it and the results are awful.")
    assert s.negative > 0.4 and s.positive == 0


def test_neutral_sentence_and_scores_are_proportions():
    s = sentiment_of("The meeting is at ten in room four.")
    assert (s.negative, s.neutral, s.positive) == (0.0, 1.0, 0.0)
    for text in ("Great!", "Awful.", "Fine, I guess, but not great."):
        scores = sentiment_of(text)
        assert abs(scores.negative + scores.neutral + scores.positive - 1) < 0.01
        assert all(0 <= v <= 1 for v in (scores.negative, scores.neutral, scores.positive))


def test_only_english_and_real_text():
    assert sentiment_of("C'est magnifique", "fr-FR") is None
    assert sentiment_of("   ") is None
