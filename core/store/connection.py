"""Opening the library file and turning SQLite's failures into StoreErrors a person can act on.

Several processes share the file (the GUI and a transcription worker), so it runs in WAL mode
(readers never block the writer), with foreign keys on and a busy timeout; every write takes
the write lock up front (BEGIN IMMEDIATE) so two writers queue instead of failing half-way.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from core.errors import DiskFullError, StoreError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


def check_library_file(path: Path) -> None:
    """Return None when the file can be a writable library; raise StoreError when it cannot."""
    if path.is_dir():
        raise StoreError(f"The library path {path} is a folder, not a database file.")
    if not path.parent.is_dir():
        raise StoreError(f"The folder of the library {path.parent} does not exist.", hint="Create it or choose another place.")
    # Never open the file itself here: closing any descriptor of a database file drops every
    # POSIX lock this process holds on it, including those of SQLite connections already open
    # (a worker and the GUI share the file), which can make another process reset the WAL under
    # them. SQLite itself tells a damaged or foreign file apart when the connection is made.
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(
            f"The library file {path} is read-only, so Parley cannot save to it.",
            hint="Make the file writable (and its folder), or point PARLEY_HOME at a writable folder.",
        )


def _corrupt(path: Path | str) -> StoreError:
    return StoreError(
        f"The library file {path} is not a Parley library (it is damaged or another kind of file).",
        hint="Move the file aside to start a new library, or restore it from a backup.",
    )


def connect(path: Path) -> Database:
    """Return a sqlite-utils Database on the file, in WAL mode with foreign keys and a busy timeout."""
    try:
        conn = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise translate(exc, path) from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL is durable across application crashes in WAL mode and much faster than FULL
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA cache_size = -32000")
        db = Database(conn, execute_plugins=False)
    except sqlite3.Error as exc:
        conn.close()
        raise translate(exc, path) from exc
    return db


def connect_read_only(path: Path) -> Database:
    """Return a Database that only reads the file (SQLite refuses every write), for a disk that cannot take any.

    The WAL is read as usual; only where SQLite cannot even make its shared-memory file next to
    the database (a read-only folder) is the file read as immutable, its WAL's last changes unseen.
    """
    if not path.is_file():
        raise StoreError(f"There is no library at {path} yet.", hint="Transcribe or record something first.")
    last: sqlite3.Error | None = None
    for query in ("mode=ro", "immutable=1"):
        conn = None
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True, timeout=BUSY_TIMEOUT_MS / 1000,
                                   isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return Database(conn, execute_plugins=False)
        except sqlite3.Error as exc:
            last = exc
            if conn is not None:
                conn.close()
    raise translate(last, path) from last


def translate(exc: sqlite3.Error, path: Path | str | None = None) -> StoreError:
    """Return the StoreError that says in plain words what a SQLite failure means."""
    text = str(exc).lower()
    where = f" {path}" if path else ""
    if "disk is full" in text or ("disk i/o error" in text and _nearly_full(path)):  # SQLite's WAL on a full disk: an I/O error
        return DiskFullError("The disk is full, so the change was not saved (everything saved before is intact).")
    if "readonly" in text or "read-only" in text:
        return StoreError(
            f"The library{where} is read-only, so Parley cannot save to it.",
            hint="Make the library file and its folder writable.",
        )
    if "not a database" in text or "malformed" in text or "file is encrypted" in text:
        return _corrupt(path or "")
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The library{where} is busy in another Parley process.",
            hint="Wait a moment and try again; close other Parley windows if it persists.",
        )
    if "unable to open" in text:
        return StoreError(f"The library{where} cannot be opened.", hint="Check that its folder exists and is writable.")
    return StoreError(f"The library{where} failed: {exc}.")


def _nearly_full(path: Path | str | None, reserve: int = 1 << 20) -> bool:
    """Return whether the disk holding `path` has less than `reserve` bytes free."""
    import shutil

    if not path:
        return False
    try:
        return shutil.disk_usage(Path(path).parent).free < reserve
    except OSError:
        return False


def _rollback(conn: sqlite3.Connection) -> None:
    if not conn.in_transaction:
        return
    try:
        conn.execute("ROLLBACK")
    except sqlite3.Error:  # the original error matters more; SQLite undoes it on close anyway
        log.exception("rollback of the library failed")


class Guard:
    """Serialises one connection between threads and turns SQLite errors into StoreErrors."""

    def __init__(self, db: Database, path: Path):
        self.db = db
        self.path = path
        self.lock = threading.RLock()

    @contextlib.contextmanager
    def reading(self) -> Iterator[Database]:
        """Yield the database for reads in one snapshot (a read transaction); SQLite errors leave as StoreError."""
        with self.lock:
            conn = self.db.conn
            try:
                if conn.in_transaction:
                    yield self.db
                    return
                # several SELECTs (utterances, words, speakers) must see the same moment,
                # even while another process commits
                conn.execute("BEGIN")
                try:
                    yield self.db
                finally:
                    _rollback(conn)
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc

    @contextlib.contextmanager
    def writing(self) -> Iterator[Database]:
        """Yield the database inside a write transaction: committed on success, rolled back on any error."""
        with self.lock:
            conn = self.db.conn
            if conn.in_transaction:  # nested: a savepoint inside the caller's transaction
                with self.db.atomic():
                    yield self.db
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self.db
                    conn.execute("COMMIT")
                except BaseException:
                    _rollback(conn)
                    raise
            except sqlite3.Error as exc:
                raise translate(exc, self.path) from exc
