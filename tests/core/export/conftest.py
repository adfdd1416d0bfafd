"""Fixtures of the export tests: the hand-made conversations shared with the view tests."""

import pytest
from export_samples import samples


@pytest.fixture
def call():
    return samples.two_channel_call()


@pytest.fixture
def memo():
    return samples.mono_without_speakers()


@pytest.fixture
def empty():
    return samples.empty_conversation()


@pytest.fixture(scope="session")
def sample_call(sample_conversation, sample_dir):
    """Return the tiny.en sample transcript with the reference speakers (speaker 1 named "Zoë Ødegård")."""
    from sample_speakers import with_reference_speakers

    return with_reference_speakers(sample_conversation, sample_dir / "sample.rttm")
