"""Desktop test set-up: a real app over a real temporary library, an in-memory keyring, helpers.

Modal dialogs that would block (QMessageBox.question, QInputDialog, file dialogs) are patched
per test with monkeypatch, as Buzz does; everything else runs through the real widgets.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from core.results import Conversation, Speaker
from desktop_helpers import rttm_turns, speaker_at, wait_ops
from helpers.memory_keyring import MemoryKeyring, keyring_backend


@pytest.fixture(autouse=True)
def memory_keyring():
    """Use an in-memory keyring for the test; give back the previous backend afterwards."""
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def services(qapp, parley_home):
    """Return the app's services over a fresh library in PARLEY_HOME (no worker process)."""
    from desktop.app import create_services, shutdown

    services = create_services(start_worker=False)
    services.ops.call_library(lambda lib: lib.path, timeout=30)  # opened
    yield services
    shutdown(services)


@pytest.fixture
def window(qtbot, services):
    """Return the shown main window."""
    from desktop.app import build_window

    def stop_a_recording_left_running(window) -> None:
        # a test that failed mid-recording: without this, closing the window at teardown asks
        # "Stop recording?" in a modal box nobody answers, and the run hangs
        view = window.record_view
        if view.recording:
            view.stop_recording()
            qtbot.waitUntil(lambda: not view.recording, timeout=60_000)
        window.close_without_asking()  # nor "Quit while a transcript is being made?" for a job a test left running

    window = build_window(services)
    qtbot.addWidget(window, before_close_func=stop_a_recording_left_running)
    window.show()
    qtbot.waitExposed(window)
    wait_ops(qtbot, services)
    return window


@pytest.fixture(scope="session")
def two_speaker_sample(sample_conversation, sample_dir) -> Conversation:
    """Return the sample's real tiny.en transcript with the reference speakers (sample.rttm) assigned."""
    turns = rttm_turns(sample_dir / "sample.rttm")
    utterances = []
    for u in sample_conversation.utterances:
        words = [replace(w, speaker=speaker_at(turns, w.offset_ms, w.end_ms)) for w in u.words]
        utterances.append(replace(u, speaker=speaker_at(turns, u.offset_ms, u.end_ms), words=words))
    return replace(sample_conversation, utterances=utterances, speakers={1: Speaker(1), 2: Speaker(2)})
