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
        pid = int(_marker().read_text().strip() or 0)
    except (OSError, ValueError):
        return False
    return process_alive(pid)


@contextlib.contextmanager
def live_session() -> Iterator[None]:
    """Mark a live session for the duration of the block, so background jobs pause."""
    marker = _marker()
    marker.write_text(str(os.getpid()))
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            if marker.read_text().strip() == str(os.getpid()):
                marker.unlink()
