"""A recording of hours streams through the decoder in bounded memory (no transcription involved)."""

from __future__ import annotations

import gc

import numpy as np
import psutil
import pytest

from core.audio.decode import SAMPLE_RATE, iter_audio, probe
from helpers import audiofiles as af

HOURS = 2
MAX_GROWTH_MB = 100  # the file is 230 MB of PCM; loaded as float32 it would be 460 MB


@pytest.fixture(scope="module")
def two_hours_wav(tmp_path_factory, sample_wav):
    path = af.write_long_wav(tmp_path_factory.mktemp("long") / "two-hours.wav", HOURS * 3600, sample_wav)
    yield path
    path.unlink()


def test_two_hours_stream_in_30_s_chunks_with_bounded_memory(two_hours_wav, reference):
    process = psutil.Process()
    gc.collect()
    baseline = peak = process.memory_info().rss
    chunks = samples = 0

    for chunk in iter_audio(two_hours_wav, chunk_ms=30_000):
        if chunks in (0, 123):  # the file repeats the 30 s sample, so every chunk is the sample again
            np.testing.assert_allclose(chunk, reference, atol=1 / 16384)
        assert chunk.shape == (30 * SAMPLE_RATE,) and chunk.dtype == np.float32
        chunks += 1
        samples += chunk.size
        peak = max(peak, process.memory_info().rss)

    assert probe(two_hours_wav).duration_ms == HOURS * 3600 * 1000
    assert chunks == HOURS * 120 and samples == HOURS * 3600 * SAMPLE_RATE
    growth_mb = (peak - baseline) / 2**20
    assert growth_mb < MAX_GROWTH_MB, f"memory grew by {growth_mb:.0f} MB while streaming"
