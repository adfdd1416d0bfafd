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
it is. Elsewhere only that thread works. It watches the parent itself (psutil: its pid and its start
time, so a pid reused later is not taken for it), not only this process's parent id: on Windows that
id never changes, even after the parent died.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1
WATCH_INTERVAL_S = 0.5
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


def die_with_parent(sig: int) -> None:
    """Ask the kernel to send sig to this process when its parent dies (Linux; elsewhere nothing happens)."""
    import ctypes  # here: core.cli imports this module on every start

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


def _parent(parent_pid: int):
    """Return parent_pid's psutil.Process if it is this process's parent and still running, else None."""
    import psutil

    if os.getppid() != parent_pid:
        return None
    try:
        parent = psutil.Process(parent_pid)
        if parent.create_time() > psutil.Process().create_time():  # the pid, reused after the parent ended
            return None
    except psutil.Error:
        return None
    return parent if _running(parent) else None


def _running(process) -> bool:
    import psutil

    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def follow(parent_pid: int, grace_s: float) -> bool:
    """End this process with parent_pid: SIGTERM at once, os._exit grace_s later; return False if it has ended already."""
    die_with_parent(signal.SIGTERM)
    parent = _parent(parent_pid)
    if parent is None:
        return False

    def watch() -> None:
        while os.getppid() == parent_pid and _running(parent):
            time.sleep(WATCH_INTERVAL_S)
        time.sleep(grace_s)
        os._exit(1)

    threading.Thread(target=watch, name="parley-follow-parent", daemon=True).start()
    return True
