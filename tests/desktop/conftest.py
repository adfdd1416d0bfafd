"""Desktop test set-up: a real app over a real temporary library, an in-memory keyring, helpers.

Modal dialogs that would block (QMessageBox.question, QInputDialog, file dialogs) are patched
per test with monkeypatch, as Buzz does; everything else runs through the real widgets.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from core.results import Conversation, Speaker, Word


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps secrets in a dict (for tests only)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password):
        self.secrets[(service, username)] = password

    def delete_password(self, service, username):
        from keyring.errors import PasswordDeleteError

        if (service, username) not in self.secrets:
            raise PasswordDeleteError(username)
        del self.secrets[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring():
    """Use an in-memory keyring for the test; give back the previous backend afterwards."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


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

    window = build_window(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    wait_ops(qtbot, services)
    return window


def wait_ops(qtbot, services, timeout: int = 20_000) -> None:
    """Wait until every operation asked so far has reported back to the GUI thread."""
    qtbot.waitUntil(lambda: services.ops.pending == 0, timeout=timeout)


def _rttm_turns(path: Path) -> list[tuple[int, int, int]]:
    numbers: dict[str, int] = {}
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[0] != "SPEAKER":
            continue
        number = numbers.setdefault(parts[7], len(numbers) + 1)
        start = int(float(parts[3]) * 1000)
        turns.append((start, start + int(float(parts[4]) * 1000), number))
    return turns


def _speaker_at(turns, start: int, end: int) -> int:
    overlap: dict[int, int] = {}
    for s, e, n in turns:
        overlap[n] = overlap.get(n, 0) + max(0, min(end, e) - max(start, s))
    best = max(overlap, key=overlap.get)
    if overlap[best] == 0:  # between turns: the nearest one
        return min(turns, key=lambda t: min(abs(t[0] - start), abs(t[1] - end)))[2]
    return best


@pytest.fixture(scope="session")
def two_speaker_sample(sample_conversation, sample_dir) -> Conversation:
    """Return the sample's real tiny.en transcript with the reference speakers (sample.rttm) assigned."""
    turns = _rttm_turns(sample_dir / "sample.rttm")
    utterances = []
    for u in sample_conversation.utterances:
        words = [replace(w, speaker=_speaker_at(turns, w.offset_ms, w.end_ms)) for w in u.words]
        utterances.append(replace(u, speaker=_speaker_at(turns, u.offset_ms, u.end_ms), words=words))
    return replace(sample_conversation, utterances=utterances, speakers={1: Speaker(1), 2: Speaker(2)})


def store(services, conversation: Conversation, audio: Path | None, *, title: str | None = None, created=None) -> str:
    """Store a copy of a conversation (new id) with its recording in the app's library; return the id."""
    from core.results import new_conversation_id

    copy = replace(conversation, conversation_id=new_conversation_id(), title=title or conversation.title,
                   created=created or conversation.created)

    def save(lib):
        lib.save_conversation(copy, kind="realtime", options={"model": copy.model})
        if audio is not None:
            lib.add_audio(copy.conversation_id, audio)
        return copy.conversation_id

    return services.ops.call_library(save, timeout=30)


def words_of(conversation: Conversation) -> list[Word]:
    """Return every word of a conversation in time order."""
    return [w for u in conversation.ordered() for w in u.words]
