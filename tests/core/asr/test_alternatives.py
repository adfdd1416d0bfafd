"""N-best hypotheses from the real tiny.en decoder on a span of the sample conversation."""

from __future__ import annotations

import pytest

from core.asr.alternatives import alternatives_for, n_best
from core.asr.models import load_whisper, resolve_model
from core.audio.decode import load_audio


@pytest.fixture(scope="module")
def whisper():
    return load_whisper(resolve_model("tiny.en"), "cpu")


@pytest.fixture(scope="module")
def audio(sample_wav):
    return load_audio(sample_wav, mono=True)


def test_n_best_gives_distinct_scored_hypotheses(whisper, audio):
    span = audio[int(12.6 * 16_000): int(14.2 * 16_000)]  # "This is Diane in New Jersey."
    hypotheses = n_best(whisper, span, 4)
    assert len(hypotheses) == 4
    texts = [t for t, _ in hypotheses]
    assert len(set(texts)) == 4
    assert all("Jersey" in t for t in texts)
    scores = [c for _, c in hypotheses]
    assert all(0 < c <= 1 for c in scores) and scores == sorted(scores, reverse=True)


def test_alternatives_leave_out_the_best_and_respect_the_limit(whisper, audio):
    best = "This is Diane in New Jersey."
    alternatives = alternatives_for(whisper, audio, 12_700, 1_380, best, max_alternatives=3)
    assert 1 <= len(alternatives) <= 2
    assert all(a.forms.itn != "this is diane in new jersey" for a in alternatives)
    assert all("jersey" in a.forms.itn and a.forms.display for a in alternatives)
    assert alternatives_for(whisper, audio, 12_700, 1_380, best, max_alternatives=1) == []
    assert n_best(whisper, audio[:0], 3) == []
