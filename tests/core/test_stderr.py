"""Python's stderr survives PortAudio's start, which points the process's descriptor 2 at /dev/null (core.stderr)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# one thread does what sounddevice._initialize does around Pa_Initialize while the main thread logs
SILENCED_WHILE_LOGGING = """
import logging, os, sys, threading
from core.stderr import keep_stderr
if sys.argv[1] == "kept":
    keep_stderr()
logging.basicConfig(level=logging.INFO, format="%(message)s")
silenced, said = threading.Event(), threading.Event()
def portaudio_starting():
    old = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    silenced.set()
    said.wait(10)
    os.dup2(old, 2)
    os.close(old)
starting = threading.Thread(target=portaudio_starting)
starting.start()
silenced.wait(10)
logging.getLogger("gui").info("window shown")
said.set()
starting.join()
logging.getLogger("gui").info("after")
"""


def _stderr_of(script: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_a_line_logged_while_another_thread_silences_descriptor_2_is_kept():
    assert _stderr_of(SILENCED_WHILE_LOGGING, "kept").splitlines() == ["window shown", "after"]
    assert _stderr_of(SILENCED_WHILE_LOGGING, "plain").splitlines() == ["after"]  # what was lost before


def test_every_line_logged_while_sounddevice_restarts_portaudio_arrives():
    """The real thing: sounddevice's import and restarts (its own /dev/null trick) beside a logging thread."""
    script = """
import logging, sys, threading
from core.stderr import keep_stderr
if sys.argv[1] == "kept":
    keep_stderr()
logging.basicConfig(level=logging.INFO, format="%(message)s")
done = threading.Event()
def restarts():
    import sounddevice as sd
    for _ in range(100):
        sd._terminate()
        sd._initialize()
    done.set()
threading.Thread(target=restarts).start()
n = 0
while not done.is_set() or n < 2000:
    logging.getLogger("gui").info("line %d", n)
    n += 1
print(n)
"""
    for mode in ("kept", "plain"):
        done = subprocess.run([sys.executable, "-c", script, mode], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        logged = int(done.stdout)
        lines = [line for line in done.stderr.splitlines() if line.startswith("line ")]
        if mode == "kept":
            assert lines == [f"line {i}" for i in range(logged)]
        else:  # what happened before: 1,588 of 54,542 lines arrived on a quiet 2-core machine
            assert len(lines) < logged


def test_a_stderr_replaced_already_is_left_alone(monkeypatch):
    """As under a test's capture: core.cli.main, called in-process by tests, must not take stderr from it."""
    import io

    from core.stderr import keep_stderr

    replaced = io.StringIO()
    monkeypatch.setattr(sys, "stderr", replaced)
    keep_stderr()
    assert sys.stderr is replaced
