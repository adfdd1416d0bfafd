"""Python's stderr on a private copy of the process's file descriptor 2, which PortAudio's start cannot silence.

sounddevice starts PortAudio (at `import sounddevice`, and at each device rescan: see
core.audio.capture) with descriptor 2 pointed at /dev/null, to hide ALSA's and JACK's noise. That
silences the whole process, every thread, for those milliseconds (5 ms on an idle machine, 60 ms
measured under load): a log line, a warning or a traceback written meanwhile is lost. The desktop's
"window shown" line went missing in 3 of 80 starts on a busy machine, because its Record view
lists the microphones on another thread at that moment. Writing Python's stderr to a copy of
descriptor 2 made when the process starts keeps all of that; the native libraries' own messages
still go to descriptor 2 and are silenced as sounddevice intends.
"""

from __future__ import annotations

import contextlib
import os
import sys


def keep_stderr() -> None:
    """Point sys.stderr at a copy of descriptor 2, once per process; returns nothing.

    Left alone when sys.stderr was replaced already (a test's capture, or a call before this one),
    and when there is no stderr (a Windows GUI build)."""
    stream = sys.stderr
    if stream is None or stream is not sys.__stderr__:
        return
    with contextlib.suppress(OSError, ValueError, AttributeError):
        stream.flush()
        copy = os.dup(stream.fileno())  # not inherited by child processes, which get descriptor 2 itself
        # closefd=False: the copy lives as long as the process (closing it at exit would only warn)
        sys.stderr = open(copy, "w", buffering=1, encoding=stream.encoding, errors=stream.errors, closefd=False)  # noqa: SIM115
