"""Sentiment of an utterance (English): Negative, Neutral and Positive scores between 0 and 1.

VADER (vaderSentiment) scores a sentence from its lexicon, which ships inside the wheel, so
this works offline. Its neg/neu/pos proportions sum to 1, like the batch service's scores.
"""

from __future__ import annotations

from functools import lru_cache

from core.results import Sentiment


@lru_cache(maxsize=1)
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def supports(locale: str) -> bool:
    """Return whether sentiment can be scored for a locale (English only)."""
    return (locale or "en").lower().startswith("en")


@lru_cache(maxsize=1024)
def sentiment_of(text: str, locale: str = "en-US") -> Sentiment | None:
    """Return the sentiment of one utterance's display text, or None for an unsupported language or no text."""
    if not text.strip() or not supports(locale):
        return None
    scores = _analyzer().polarity_scores(text)
    return Sentiment(negative=round(scores["neg"], 4), neutral=round(scores["neu"], 4), positive=round(scores["pos"], 4))
