"""Background jobs wait while any live session of a living process records (core.jobs.live)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.jobs.live import live_session, live_session_running

ROOT = Path(__file__).resolve().parents[3]


def test_jobs_still_wait_for_a_second_session_after_the_first_one_ends(parley_home):
    """Two recordings at once (two windows, or the app and `parley live`): with one marker for all, the first session
    to end removed it, and jobs went on beside the other one."""
    other = subprocess.Popen(
        [sys.executable, "-c", "from core.jobs.live import live_session\nimport sys\n"
         "with live_session():\n    print('recording', flush=True)\n    sys.stdin.readline()\n"],
        cwd=ROOT, env={**os.environ, "PARLEY_HOME": str(parley_home)}, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True)
    try:
        assert other.stdout.readline().strip() == "recording"
        with live_session():
            assert live_session_running()
        assert live_session_running()  # this session ended; the other records on
        other.stdin.write("\n")
        other.stdin.flush()
        assert other.wait(30) == 0
        assert not live_session_running()
    finally:
        other.kill()


def test_jobs_still_wait_for_a_second_session_of_the_same_process(parley_home):
    """Two ConversationTranscribers in one process: with one marker per process, the first to end removed it."""
    with live_session():
        with live_session():
            assert live_session_running()
        assert live_session_running()
    assert not live_session_running()


def test_a_marker_that_cannot_be_written_does_not_stop_the_recording(parley_home, monkeypatch):
    """A home folder that refuses the marker (read-only, or a folder in its place): the session goes on, unmarked."""
    from core.jobs import live

    taken = parley_home / "live-session.taken.pid"
    taken.mkdir()
    monkeypatch.setattr(live, "_marker", lambda: taken)
    with live_session():
        pass
    assert not live_session_running()


def test_a_killed_process_not_yet_waited_for_holds_nothing(parley_home):
    """A zombie (killed, its parent not yet waiting for it) counted as alive: its recording was not recovered, and its
    live marker held background jobs back, until the parent reaped it (review)."""
    import signal
    import time

    from core.jobs.queue import process_alive, process_started

    other = subprocess.Popen(
        [sys.executable, "-c", "from core.jobs.live import live_session\nimport time\n"
         "with live_session():\n    print('recording', flush=True)\n    time.sleep(600)\n"],
        cwd=ROOT, env={**os.environ, "PARLEY_HOME": str(parley_home)}, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "recording"
        started = process_started(other.pid)
        assert live_session_running() and process_alive(other.pid, started)
        os.kill(other.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{other.pid}/stat").read_text().split(") ")[1][0] != "Z" and time.monotonic() < deadline:
            time.sleep(0.05)  # killed; not waited for yet
        assert not process_alive(other.pid, started) and not process_alive(other.pid)
        assert not live_session_running()
    finally:
        other.kill()
        other.wait()
