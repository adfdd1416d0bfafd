"""The background job worker (`parley worker`) as a child process of the app.

The worker runs each transcription in its own process, so a crash or a cancel there never
touches the window or a recording. The app starts it with the window and stops it on exit
(SIGTERM: the worker kills its job processes, which go back to the queue for next time).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer

from core.jobs.lifeline import parley_command

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RESTART_DELAY_MS = 3000
MAX_RESTARTS = 3

# `parley worker --follow APP_PID` ends with the app, even when the app is killed (core.jobs.lifeline): at once
# when it can, and FOLLOW_GRACE_S later however busy it is; a job it was running goes back to the queue when the
# next worker starts.
FOLLOW_GRACE_S = 4.0


class WorkerProcess(QObject):
    """Starts, watches (restarts after a crash) and stops the `parley worker` process."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._process: QProcess | None = None
        self._stopping = False
        self._restarts = 0

    @property
    def running(self) -> bool:
        """Return whether the worker process is alive."""
        return self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning

    def start(self) -> None:
        """Start the worker process unless it runs already; returns nothing."""
        if self.running:
            return
        self._stopping = False
        process = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        # the job processes must find `core` even when Parley runs from a checkout
        paths = [str(PROJECT_ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        env.insert("PYTHONPATH", os.pathsep.join(dict.fromkeys(paths)))
        process.setProcessEnvironment(env)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedChannels)
        process.finished.connect(self._finished)
        program, *arguments = parley_command("worker", "--follow", str(os.getpid()), "--follow-grace", str(FOLLOW_GRACE_S))
        process.start(program, arguments)
        self._process = process
        log.info("job worker started")

    def _finished(self, code: int, status: QProcess.ExitStatus) -> None:
        if self._stopping:
            return
        log.warning("job worker ended unexpectedly (exit %s, %s)", code, status)
        if self._restarts < MAX_RESTARTS:
            self._restarts += 1
            QTimer.singleShot(RESTART_DELAY_MS, self.start)

    def stop(self, timeout_ms: int = 5000) -> None:
        """Stop the worker (its running jobs are queued again); returns once it has ended."""
        self._stopping = True
        process = self._process
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        process.terminate()
        if not process.waitForFinished(timeout_ms):
            log.warning("job worker did not stop in %s ms; killing it", timeout_ms)
            process.kill()
            process.waitForFinished(1000)
