"""The offline diarization pipeline on real speech: DER, speaker count and hints, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from core.errors import AudioError, EmptyAudioError

SR = 16000


def _speaker_only(audio, turns, keep: str) -> np.ndarray:
    """Return the sample with every stretch where `keep` is not the only voice silenced."""
    out = np.zeros_like(audio)
    for start, end, who in turns:
        if who == keep:
            out[int(start * SR) : int(end * SR)] = audio[int(start * SR) : int(end * SR)]
    for start, end, who in turns:
        if who != keep:
            out[int(start * SR) : int(end * SR)] = 0.0
    return out


def test_sample_speaker_count_and_der_are_found_automatically(sample_diarization, sample_turns, der):
    assert sample_diarization.num_speakers == 2
    assert der(sample_turns, sample_diarization) <= 0.10
    assert der(sample_turns, sample_diarization, collar=0.25) <= 0.06
    # the turns are numbered by first appearance and overlaps are kept, not dropped
    assert sample_diarization.turns[0].speaker == 1
    assert sample_diarization.overlaps
    assert all(end > start for start, end in sample_diarization.overlaps)


@pytest.mark.parametrize(
    "hints, expected",
    [({"num_speakers": 3}, {3}), ({"max_speakers": 1}, {1}), ({"min_speakers": 3, "max_speakers": 4}, {3, 4})],
)
def test_speaker_hints_are_honoured(diarizer, sample_audio, hints, expected):
    assert diarizer.diarize(sample_audio, **hints).num_speakers in expected


def test_progress_is_reported_through_the_hook(diarizer, sample_audio):
    calls = []
    diarizer.diarize(sample_audio[: 12 * SR], hook=lambda step, completed=None, total=None: calls.append((step, completed, total)))
    steps = {step for step, _, _ in calls}
    assert {"segmentation", "embeddings"} <= steps
    progress = [(c, t) for step, c, t in calls if step == "embeddings" and t]
    assert progress and progress[-1][0] == progress[-1][1]


def test_one_speaker_is_one_speaker(diarizer, sample_audio, sample_turns):
    alone = _speaker_only(sample_audio, sample_turns, "speaker91")
    result = diarizer.diarize(alone)
    assert result.num_speakers == 1
    talked = sum(e - s for s, e, who in sample_turns if who == "speaker91")
    assert result.speech_ms(1) / 1000 > 0.7 * talked


def test_silence_gives_no_turns(diarizer):
    assert diarizer.diarize(np.zeros(10 * SR, dtype=np.float32)).turns == []
    hiss = np.random.default_rng(0).normal(0, 1e-3, 10 * SR).astype(np.float32)  # -60 dBFS
    result = diarizer.diarize(hiss)
    assert sum(t.duration_ms for t in result.turns) < 1000


def test_one_second_file(diarizer, sample_audio):
    result = diarizer.diarize(sample_audio[int(22.0 * SR) : int(23.0 * SR)])
    assert result.num_speakers <= 1
    assert all(0 <= t.start_ms < t.end_ms <= 1000 for t in result.turns)


def test_telephone_audio_resampled_by_the_caller(diarizer, sample_audio, sample_turns, der):
    narrowband = resample_poly(resample_poly(sample_audio, 1, 2), 2, 1).astype(np.float32)
    result = diarizer.diarize(narrowband)
    assert result.num_speakers == 2
    assert der(sample_turns, result) <= 0.15


def test_stereo_is_refused_and_each_channel_is_diarized_alone(diarizer, sample_audio, sample_turns):
    left = _speaker_only(sample_audio, sample_turns, "speaker90")[: 20 * SR]
    right = _speaker_only(sample_audio, sample_turns, "speaker91")[: 20 * SR]
    with pytest.raises(AudioError, match="mono"):
        diarizer.diarize(np.stack([left, right]))
    assert [diarizer.diarize(channel).num_speakers for channel in (left, right)] == [1, 1]


def test_bad_arguments_are_refused(diarizer):
    with pytest.raises(EmptyAudioError):
        diarizer.diarize(np.zeros(0, dtype=np.float32))
    with pytest.raises(AudioError):
        diarizer.diarize(np.full(SR, np.nan, dtype=np.float32))
    with pytest.raises(ValueError):
        diarizer.diarize(np.zeros(SR, dtype=np.float32), min_speakers=3, max_speakers=2)
    with pytest.raises(ValueError):
        diarizer.diarize(np.zeros(SR, dtype=np.float32), num_speakers=0)
