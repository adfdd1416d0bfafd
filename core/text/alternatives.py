"""Word alternatives from the N-best list: each best word with the words other hypotheses heard in its place.

The hypotheses of an utterance are aligned word by word with difflib; where another hypothesis
replaces words one for one, its word is an alternative for that time span, scored with that
hypothesis' confidence (the best word keeps its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher

from core.results import Utterance
from core.text.forms import spoken_timeline, word_token


@dataclass(frozen=True)
class WordAlternatives:
    """The candidates for one word's time span (ms), best first: (word, confidence) pairs."""

    start_ms: int
    end_ms: int
    candidates: tuple[tuple[str, float], ...]


def word_alternatives(utterance: Utterance, threshold: float = 0.0, max_hypotheses: int | None = None, *,
                      spoken: bool = False, locale: str = "en-US") -> list[WordAlternatives]:
    """Return, per word of the best hypothesis, the candidate words with confidence >= threshold (empty spans left out).

    The words are as written ("$25", the ITN forms), or with `spoken` as said (the lexical forms: "twenty",
    "five", "dollars", on the times of the spoken transcript's words: core.text.forms.spoken_timeline).
    """
    if spoken:
        pairs = spoken_timeline(utterance.words, utterance.lexical, locale)
    else:
        pairs = [(word_token(w.text), w) for w in utterance.words if word_token(w.text)]
    best, words = [token for token, _ in pairs], [w for _, w in pairs]
    candidates: list[dict[str, float]] = [
        {token: (w.confidence if w.confidence is not None else utterance.confidence)} for token, w in zip(best, words)
    ]
    others = utterance.alternatives if max_hypotheses is None else utterance.alternatives[: max(max_hypotheses - 1, 0)]
    for alternative in others:
        tokens = (alternative.forms.lexical if spoken else alternative.forms.itn).split()
        matcher = SequenceMatcher(a=best, b=tokens, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag != "replace" or i2 - i1 != j2 - j1:
                continue
            for i, j in zip(range(i1, i2), range(j1, j2)):
                seen = candidates[i].get(tokens[j], 0.0)
                candidates[i][tokens[j]] = max(seen, alternative.confidence)
    spans = []
    for word, options in zip(words, candidates):
        kept = sorted(((t, round(c, 4)) for t, c in options.items() if c >= threshold), key=lambda tc: -tc[1])
        if kept:
            spans.append(WordAlternatives(word.offset_ms, word.end_ms, tuple(kept)))
    return spans
