"""Shared fixtures: one offline Diarizer and the sample's reference turns."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def diarizer():
    """Return the offline Diarizer on CPU (built once for the whole session)."""
    from core.diarization.pipeline import Diarizer

    diarizer = Diarizer(device="cpu")
    _ = diarizer.pipeline
    return diarizer


@pytest.fixture(scope="session")
def sample_audio(sample_wav):
    import soundfile as sf

    audio, rate = sf.read(sample_wav, dtype="float32")
    assert rate == 16000
    return audio


@pytest.fixture(scope="session")
def sample_turns(sample_dir) -> list[tuple[float, float, str]]:
    """Return the reference (start s, end s, speaker) turns of sample.rttm."""
    turns = []
    for line in (sample_dir / "sample.rttm").read_text().splitlines():
        fields = line.split()
        start, duration = float(fields[3]), float(fields[4])
        turns.append((start, start + duration, fields[7]))
    return turns


@pytest.fixture(scope="session")
def sample_diarization(diarizer, sample_audio):
    """Return the sample diarized once with the automatic speaker count (shared, do not mutate)."""
    return diarizer.diarize(sample_audio)


@pytest.fixture(scope="session")
def der():
    """Return a function computing the DER (overlap included) of a Diarization against reference turns."""
    return _der


def _der(reference_turns, diarization, collar: float = 0.0) -> float:
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    reference = Annotation(uri="audio")
    for i, (start, end, who) in enumerate(reference_turns):
        reference[Segment(start, end), i] = who
    return DiarizationErrorRate(collar=collar, skip_overlap=False)(reference, diarization.to_annotation("audio"))
