"""Session-wide test recordings for the audio tests, built once from pyannote's sample with PyAV."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import audiofiles as af


@pytest.fixture(scope="session")
def sample_wav() -> Path:
    """The 30 s reference recording, found without importing torch (overrides tests/conftest.py's)."""
    path = af.sample_wav()
    if not path.is_file():
        pytest.skip(f"reference recording missing: {path}")
    return path


@pytest.fixture(scope="session")
def reference(sample_wav):
    """The sample's samples as float32 (n,) at 16 kHz, read with the `wave` module."""
    samples, rate = af.read_wav(sample_wav)
    assert rate == 16000
    return samples[0]


@pytest.fixture(scope="session")
def encoded(tmp_path_factory, sample_wav):
    """Return a function that builds (once per session) the sample in one of af.ENCODINGS or af.VIDEOS."""
    folder = tmp_path_factory.mktemp("encoded")
    cache: dict[str, Path] = {}

    def build(name: str) -> Path:
        if name not in cache:
            if name in af.ENCODINGS:
                suffix, container, codec, rate, channels = af.ENCODINGS[name]
                _need(codec)
                cache[name] = af.make_encoded(sample_wav, folder / f"{name}{suffix}", codec, rate, channels, container)
            else:
                suffix, container, video_codec, audio_codec = af.VIDEOS[name]
                _need(video_codec, audio_codec)
                cache[name] = af.make_video(folder / f"{name}{suffix}", audio_src=sample_wav, video_codec=video_codec,
                                            audio_codec=audio_codec, container_format=container)
        return cache[name]

    return build


def _need(*codecs: str) -> None:
    for codec in codecs:
        if not af.can_encode(codec):
            pytest.skip(f"the bundled FFmpeg has no {codec} encoder")
