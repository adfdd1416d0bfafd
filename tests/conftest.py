"""Shared test set-up: a private PARLEY_HOME, offscreen Qt, and the reference sample."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# before anything imports Qt or reads the data folder
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def parley_home(tmp_path_factory, monkeypatch) -> Path:
    """Give every test its own empty PARLEY_HOME, so no test sees the user's library."""
    home = tmp_path_factory.mktemp("parley-home")
    monkeypatch.setenv("PARLEY_HOME", str(home))
    return home


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """Return pyannote.audio's sample folder (sample.wav, sample.rttm, sample.stm)."""
    import pyannote.audio

    return Path(pyannote.audio.__file__).parent / "sample"


@pytest.fixture(scope="session")
def sample_wav(sample_dir) -> Path:
    return sample_dir / "sample.wav"


@pytest.fixture(scope="session")
def sample_reference(sample_dir) -> str:
    """Return the reference transcript of the sample: STM lines joined in time order."""
    from helpers.reference import stm_transcript

    return stm_transcript(sample_dir / "sample.stm")


@pytest.fixture(scope="session")
def sample_conversation(sample_wav, tmp_path_factory):
    """Return the sample transcribed once by the real tiny.en model (shared, do not mutate)."""
    from core.transcription import transcribe_file

    mp = pytest.MonkeyPatch()
    mp.setenv("PARLEY_HOME", str(tmp_path_factory.mktemp("sample-home")))
    try:
        return transcribe_file(sample_wav)
    finally:
        mp.undo()


@pytest.fixture
def sound_inputs(tmp_path_factory, monkeypatch):
    """Microphones the test plugs in and out (see helpers.sound_inputs); PortAudio forgets them afterwards."""
    from helpers.sound_inputs import SoundInputs, restart_portaudio

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    inputs = SoundInputs(home)
    yield inputs
    inputs.unplug()
    restart_portaudio()
