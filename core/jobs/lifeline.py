"""Parley's own child processes (the app's job worker, the worker's job processes): how one is started, and how it ends with the process that started it.

A child runs `parley ARGS` (`parley_command`) or a module of core as `python -m MODULE`
(`module_command`). A packaged app has no interpreter to give `-m`: its executable is `parley`
itself, so there `parley ARGS` is the executable and its arguments, and a module is run through its
hidden `__module__` command, which core.cli runs before parsing anything.

On Linux the kernel signals a child when its parent dies (PR_SET_PDEATHSIG), even when the parent
was killed with SIGKILL. A child must ask for it itself, after it started, so it then checks that
its parent is still the one it was started by. A SIGTERM handler in Python runs only once the main
thread is back in Python (not while SQLite waits out a lock, up to 10 s), so `follow` also starts a
thread that watches for the parent's end and, a grace period later, ends the process however busy
it is. Elsewhere only that thread works: it calls the process's own SIGTERM handler when the parent
has ended (so a worker still stops its job processes and queues their jobs again), then ends it
after the grace period. It watches the parent itself with psutil, not only this process's parent
id: on Windows that id never changes, even after the parent died, so there the parent is also told
by its start time from a later process given its pid.
"""

from __future__ import annotations

import _thread
import contextlib
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_INTERVAL_S = 0.5
CLOCK_SLACK_S = 2.0  # start times are wall-clock times on Windows: a clock set back a little must not hide the app
MODULE_COMMAND = "__module__"  # `parley __module__ MODULE ARGS...`: `python -m MODULE ARGS...` in a packaged app


def module_command(module: str, *args: str) -> list[str]:
    """Return the command line that runs `python -m module args` in a child process, from a checkout or a packaged app."""
    if getattr(sys, "frozen", False):
        return parley_command(MODULE_COMMAND, module, *args)
    return [sys.executable, "-m", module, *args]


def parley_command(*args: str) -> list[str]:
    """Return the command line that runs `parley args` in a child process, from a checkout or a packaged app."""
    if getattr(sys, "frozen", False):  # a packaged app: its executable is `parley` itself
        return [sys.executable, *args]
    return [sys.executable, "-m", "core.cli", *args]


def die_with_parent(*, hard: bool = False) -> None:
    """Ask the kernel to send SIGTERM (SIGKILL when hard) to this process when its parent dies (Linux; elsewhere
    nothing happens: Windows has no SIGKILL at all)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # here: core.cli imports this module on every start

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL if hard else signal.SIGTERM)


def started_by(parent_pid: int):
    """Return parent_pid's psutil.Process if it started this process and is still running, else None."""
    import psutil

    try:
        if os.name != "nt":  # an orphan gets another parent at once: the parent id names the process that started it
            if os.getppid() != parent_pid:
                return None
            parent = psutil.Process(parent_pid)
        else:  # the parent id never changes, and the app may be the grandparent (a venv's python.exe is a launcher)
            me = psutil.Process()
            starters = {me.ppid()}
            with contextlib.suppress(psutil.Error):
                starters.add(psutil.Process(me.ppid()).ppid())
            if parent_pid not in starters:
                return None
            parent = psutil.Process(parent_pid)
            with contextlib.suppress(psutil.AccessDenied):  # not ours to look at: trust the parent id
                if parent.create_time() > me.create_time() + CLOCK_SLACK_S:  # started after this one: a reused pid
                    return None
    except psutil.NoSuchProcess:
        return None
    return parent if _running(parent) else None


def _running(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:  # AccessDenied: it is there, only not ours to look at
        return True


def follow(parent_pid: int, grace_s: float, *, hard: bool = False) -> bool:
    """End this process with parent_pid: SIGTERM at once, os._exit grace_s later; return False if it has ended already.

    The SIGTERM is the kernel's on Linux; elsewhere the watch thread calls the process's own SIGTERM handler.
    `hard`: SIGKILL from the kernel on Linux, and no handler elsewhere (a job process, which has nothing to save).
    """
    die_with_parent(hard=hard)
    parent = started_by(parent_pid)
    if parent is None:
        return False

    def watch() -> None:
        while (os.name == "nt" or os.getppid() == parent_pid) and _running(parent):
            time.sleep(WATCH_INTERVAL_S)
        if not hard:
            _thread.interrupt_main(signal.SIGTERM)  # runs a Python SIGTERM handler (a second time on Linux: harmless)
        time.sleep(grace_s)
        os._exit(1)

    threading.Thread(target=watch, name="parley-follow-parent", daemon=True).start()
    return True
