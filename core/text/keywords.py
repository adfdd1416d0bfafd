"""Keyword spotting as Watson reports it: each keyword's matches with times and a confidence over a threshold."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import ExportError
from core.results import Utterance
from core.text.forms import word_token

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
    if "." in word and text.rstrip().endswith("."):  # an abbreviation keeps its last dot: "U.S."
        word += "."
    return word or text.strip()


def spot_keywords(utterance: Utterance, keywords: tuple[str, ...], threshold: float) -> dict[str, list[KeywordMatch]]:
    """Return {keyword: matches} for the keywords heard in an utterance's words with confidence >= threshold."""
    tokens = [(word_token(w.text), w) for w in utterance.words]
    found: dict[str, list[KeywordMatch]] = {}
    for keyword in keywords:
        wanted = [word_token(part) for part in keyword.split()]
        size = len(wanted)
        for i in range(len(tokens) - size + 1):
            span = tokens[i : i + size]
            if [t for t, _ in span] != wanted:
                continue
            words = [w for _, w in span]
            known = [w.confidence for w in words if w.confidence is not None]
            confidence = round(sum(known) / len(known), 4) if known else utterance.confidence
            if confidence >= threshold:
                found.setdefault(keyword, []).append(
                    KeywordMatch(keyword, " ".join(_spoken(w.text) for w in words), words[0].offset_ms, words[-1].end_ms, confidence)
                )
    return found
