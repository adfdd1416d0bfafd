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
