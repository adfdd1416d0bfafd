"""One app window per library: a later `parley gui` hands its files to the window already open, and ends.

Two windows on one library each recorded the same meeting from the same microphone, and each
started a job worker. The first app holds a lock file in the data folder (QLockFile: a lock left
by a killed app is taken over, its process being gone) and listens on a local socket named
after the folder. A later start that finds the lock held sends the files it was given ("Open
with Parley") over that socket; the app already open brings its window to the front and imports
them, and the later start ends.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

LOCK_FILE = "app.lock"
ANSWER_MS = 5000  # how long a later start waits for the app already open to take its files


class SingleInstance(QObject):
    """The claim of one app on a data folder, and the channel later starts use to reach it."""

    asked = Signal(list)  # files (paths as text) a later start asked to open; [] when it only asked for the window

    def __init__(self, home: Path, parent: QObject | None = None):
        super().__init__(parent)
        self.home = Path(home)
        self._lock = QLockFile(str(self.home / LOCK_FILE))
        self._lock.setStaleLockTime(0)  # never taken over for its age: only when the process holding it is gone
        self.name = "parley-" + hashlib.sha1(str(self.home.resolve()).encode()).hexdigest()[:16]
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """Return True when no other app has this data folder open; this one then answers later starts."""
        if not self._lock.tryLock(0):
            if self._lock.error() == QLockFile.LockError.LockFailedError:
                return False  # held by another app
            # a data folder that cannot take the lock file (read-only): nothing tells of another app, so this one opens
            log.warning("cannot hold %s (%s): another window on this library would not be noticed",
                        self.home / LOCK_FILE, self._lock.error().name)
            return True
        QLocalServer.removeServer(self.name)  # the socket of an app that was killed
        self._server = QLocalServer(self)
        self._server.newConnection.connect(self._accept)
        if not self._server.listen(self.name):
            log.warning("later starts cannot reach this app: %s", self._server.errorString())
        return True

    def owner(self) -> int | None:
        """Return the process id of the app holding the data folder, when known."""
        info = self._lock.getLockInfo()  # PySide6: (pid, host name, app name)
        pid = info[0] if isinstance(info, tuple) and info else 0
        return pid if isinstance(pid, int) and pid > 0 else None

    def hand_over(self, files: list[Path]) -> bool:
        """Return whether the app already open took the files (none: it only shows its window)."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(ANSWER_MS):
            return False
        socket.write(json.dumps([str(f) for f in files]).encode() + b"\n")
        socket.flush()
        answered = socket.waitForReadyRead(ANSWER_MS) and bytes(socket.readAll().data()).startswith(b"ok")
        socket.disconnectFromServer()
        return answered

    def release(self) -> None:
        """Return None after giving up the data folder (the app is closing)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    def _accept(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda socket=socket: self._read(socket))
            socket.disconnected.connect(socket.deleteLater)

    def _read(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        try:
            files = [str(f) for f in json.loads(bytes(socket.readLine().data()).decode("utf-8"))]
        except (ValueError, TypeError, UnicodeDecodeError) as exc:
            log.warning("a later start sent what this app cannot read: %s", exc)
            socket.disconnectFromServer()
            return
        socket.write(b"ok\n")
        socket.flush()
        self.asked.emit(files)
