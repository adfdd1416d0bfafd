"""A live session owns the CPU: background jobs pause while a recording is being captioned.

Each live session holds a small marker file named by its process id (and its number in the process)
in PARLEY_HOME; background jobs look at them at every step and wait while one names a living process
(a stale marker left by a killed process is ignored). One marker for all, or one per process, the
first of two sessions to end removed it, and jobs went on beside the other.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from collections.abc import Iterator
from pathlib import Path

from core import paths

log = logging.getLogger(__name__)

MARKERS = "live-session*.pid"


_sessions = itertools.count(1)  # the sessions of this process (two at once: each its own marker)


def _marker() -> Path:
    return paths.parley_home() / f"live-session.{os.getpid()}.{next(_sessions)}.pid"


def live_session_running() -> bool:
    """Return whether a live session of a living process is under way."""
    return any(_names_living_process(marker) for marker in paths.parley_home().glob(MARKERS))


def _names_living_process(marker: Path) -> bool:
    from core.jobs.queue import process_alive

    try:
        pid, _, started = marker.read_text().strip().partition(" ")
        alive = process_alive(int(pid or 0), float(started) if started else None)
    except (OSError, ValueError, OverflowError):
        alive = False
    if not alive:  # a killed session's: it would pile up
        with contextlib.suppress(OSError):
            marker.unlink()
    return alive


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
    try:
        marker.write_text(mine)
    except OSError as exc:  # the recording matters more than pausing the jobs beside it
        log.warning("cannot mark the live session in %s (background jobs will not pause): %s", marker, exc)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if marker.read_text().strip() == mine:
                marker.unlink()
