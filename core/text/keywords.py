"""Keyword spotting as Watson reports it: each keyword's matches with times and a confidence over a threshold."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ExportError
from core.results import Utterance
from core.text.forms import spoken_timeline, spoken_tokens, word_token

_EDGE_MARKS = re.compile(r"^[^\w'$€£%#+]+|[^\w'$€£%#+]+$")  # punctuation before or after a word, not part of it


@dataclass(frozen=True)
class KeywordMatch:
    """One place a keyword was heard: the words as recognised, their span (ms) and the mean word confidence."""

    keyword: str
    normalized_text: str
    start_ms: int
    end_ms: int
    confidence: float


def check_keywords(keywords: tuple[str, ...], threshold: float | None) -> None:
    """Raise ExportError when keywords or their threshold are unusable (Watson's rules: both or neither, 0..1)."""
    if keywords and threshold is None:
        raise ExportError("Keywords need a keywords threshold.", hint="Give a threshold between 0 and 1, e.g. 0.5.")
    if threshold is not None and not 0.0 <= threshold <= 1.0:
        raise ExportError(f"The keywords threshold {threshold} is not between 0 and 1.", hint="Use a value such as 0.5.")
    if any(not k.strip() for k in keywords):
        raise ExportError("A keyword is empty.", hint="Give each keyword as one or more words.")


def _spoken(text: str) -> str:
    """Return a word as the phrase heard shows it (Watson's normalized_text: "Colorado"), without the punctuation
    around it that the display form added ("Hello." -> "Hello")."""
    word = _EDGE_MARKS.sub("", text.strip())
    if text.rstrip().endswith(".") and ("." in word or word_token(text).endswith(".")):  # an abbreviation keeps its
        word += "."  # last dot: "U.S.", "Mr."
    return word or text.strip()


def spot_keywords(utterance: Utterance, keywords: tuple[str, ...], threshold: float,
                  locale: str = "en-US") -> dict[str, list[KeywordMatch]]:
    """Return {keyword: matches} for the keywords heard in an utterance's words with confidence >= threshold.

    A keyword matches the words as written ("$25", "Mr. Smith") or as spoken ("twenty five dollars",
    "mister smith"), however it is given: the transcript may be either (Watson's smart_formatting).
    """
    written = [(word_token(w.text), w, _spoken(w.text)) for w in utterance.words]
    spoken = [(token, part, token) for token, part in spoken_timeline(utterance.words, utterance.lexical, locale)]
    found: dict[str, list[KeywordMatch]] = {}
    for keyword in keywords:
        seen = set()
        for tokens, wanted in ((written, [word_token(part) for part in keyword.split()]),
                               (spoken, [t for part in keyword.split() for t in spoken_tokens(part, locale)])):
            size = len(wanted)
            for i in range(len(tokens) - size + 1 if size else 0):
                span = tokens[i : i + size]
                if [t for t, _, _ in span] != wanted:
                    continue
                words = [w for _, w, _ in span]
                if (words[0].offset_ms, words[-1].end_ms) in seen:
                    continue
                known = [w.confidence for w in words if w.confidence is not None]
                confidence = round(sum(known) / len(known), 4) if known else utterance.confidence
                if confidence >= threshold:
                    seen.add((words[0].offset_ms, words[-1].end_ms))
                    found.setdefault(keyword, []).append(KeywordMatch(
                        keyword, " ".join(said for _, _, said in span), words[0].offset_ms, words[-1].end_ms, confidence))
    return found

