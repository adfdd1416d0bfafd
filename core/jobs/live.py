"""A live session owns the CPU: background jobs pause while a recording is being captioned.

The recording side holds a small marker file with its process id in PARLEY_HOME; background
jobs look at it at every step and wait while it names a living process (a stale marker left
by a killed process is ignored).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from core import paths

MARKER = "live-session.pid"


def _marker() -> Path:
    return paths.parley_home() / MARKER


def live_session_running() -> bool:
    """Return whether a live session of a living process is under way."""
    from core.jobs.queue import process_alive

    try:
        pid, _, started = _marker().read_text().strip().partition(" ")
        return process_alive(int(pid or 0), float(started) if started else None)
    except (OSError, ValueError):
        return False


def _mark() -> str:
    """Return this process's marker text: its id and when it began (ids are reused after a restart)."""
    from core.jobs.queue import process_started

    started = process_started(os.getpid())
    return f"{os.getpid()} {started}" if started is not None else str(os.getpid())


@contextlib.contextmanager
def live_session() -> Iterator[None]:
    """Mark a live session for the duration of the block, so background jobs pause."""
    marker = _marker()
    mine = _mark()
    marker.write_text(mine)
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            if marker.read_text().strip() == mine:
                marker.unlink()
