"""Live sessions run once per module on real audio, with every event recorded (name, thread, time)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from core.live import ConversationTranscriber, LiveOptions

SIGNALS = ("session_started", "transcribing", "transcribed", "canceled", "session_stopped", "level_changed", "warning")


@dataclass
class Recorded:
    """What a finished session left: its events in order, the id stop() returned, and checks made during it."""

    transcriber: ConversationTranscriber
    home: Path
    events: list[tuple[str, object, str, float]] = field(default_factory=list)
    conversation_id: str | None = None
    live_marker_seen: list[bool] = field(default_factory=list)

    def of(self, name: str) -> list:
        return [args for event, args, *_ in self.events if event == name]

    def names(self) -> list[str]:
        return [event for event, *_ in self.events if event != "level_changed"]


def run_session(source, options: LiveOptions | None = None, home: Path | None = None, *, timeout: float = 300) -> Recorded:
    """Return the record of a session run from start until its source ends (or the timeout passes)."""
    from core.jobs.live import live_session_running

    transcriber = ConversationTranscriber(source, options or LiveOptions())
    record = Recorded(transcriber, home)
    lock = threading.Lock()

    def listener(name):
        def on(args):
            with lock:
                record.events.append((name, args, threading.current_thread().name, time.monotonic()))
            if name == "transcribing" and len(record.live_marker_seen) < 3:
                record.live_marker_seen.append(live_session_running())
        return on

    for name in SIGNALS:
        getattr(transcriber, name).connect(listener(name))
    transcriber.start()
    assert transcriber.wait(timeout), "the session did not end"
    record.conversation_id = transcriber.stop()
    return record


@pytest.fixture(scope="module")
def module_home(tmp_path_factory):
    """A PARLEY_HOME shared by one module's sessions (set for the module, restored after)."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("live-home")
    mp.setenv("PARLEY_HOME", str(home))
    yield home
    mp.undo()


@pytest.fixture(scope="module")
def excerpt(tmp_path_factory, sample_wav) -> Path:
    """The sample's first two exchanges (6.4-11 s: "Hello? Hello? Oh, hello. I didn't know you were there. Neither did I.")."""
    from core.audio.decode import load_audio
    from helpers.audiofiles import write_wav

    audio = load_audio(sample_wav)
    return write_wav(tmp_path_factory.mktemp("excerpt") / "excerpt.wav", audio[int(6.4 * 16000):int(11 * 16000)], 16000)


@pytest.fixture(scope="session")
def live_session_runner():
    """Return run_session, for tests and module fixtures that run sessions."""
    return run_session
