"""Operations: how widgets reach core without ever blocking the GUI thread (Anki's CollectionOp).

    ops.library(lambda lib: lib.rename_conversation(cid, title), parent=self).changes().run()
    ops.background(lambda: slow_thing(), parent=self).success(show).run()

Library work runs on one thread, one operation at a time, in the order asked (so a rename
and the refresh after it can never overtake each other); other long work (loading a model,
exporting files, starting a recording) runs on a small pool. Results come back to the GUI
thread through a queued Qt signal. A failure goes to `show_error` unless the caller handles
it; `Canceled` is accepted quietly. An operation asked with `.changes()` emits the one
`library_changed` signal when it succeeds, and every view refreshes itself from it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal

from core.errors import Canceled, ParleyError

log = logging.getLogger(__name__)


class Changes(QObject):
    """The change signals every view listens to."""

    library_changed = Signal()  # something stored changed: lists, transcripts, jobs may differ
    settings_changed = Signal(object)  # the new core.settings.Settings


class _Bridge(QObject):
    finished = Signal(object, object, object)  # op, result, error


class Op:
    """One piece of core work: what to run, and what to do with its result on the GUI thread."""

    def __init__(self, ops: "Ops", fn: Callable[..., Any], *, on_library: bool, parent: QObject | None, in_order: bool = False):
        self._ops = ops
        self._fn = fn
        self._on_library = on_library
        self._in_order = in_order
        self._parent = parent
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._changes = False

    def success(self, callback: Callable[[Any], None]) -> "Op":
        """Return the op, which will call `callback(result)` on the GUI thread when it succeeds."""
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], None]) -> "Op":
        """Return the op, which will call `callback(error)` instead of showing the error itself."""
        self._failure = callback
        return self

    def changes(self) -> "Op":
        """Return the op, which will emit library_changed after it succeeds."""
        self._changes = True
        return self

    def run(self) -> "Op":
        """Return the op after handing it to its thread."""
        self._ops._submit(self)
        return self

    def _call(self) -> Any:
        return self._fn(self._ops.library) if self._on_library else self._fn()

    def _deliver(self, result: Any, error: BaseException | None) -> None:
        if self._parent is not None and not shiboken6.isValid(self._parent):
            return  # the widget that asked is gone; nobody is left to tell
        if error is None:
            if self._changes:
                self._ops.changes.library_changed.emit()
            if self._success is not None:
                self._success(result)
        elif isinstance(error, Canceled):
            log.info("operation canceled: %s", error)
        elif self._failure is not None:
            self._failure(error)
        else:
            from desktop.errors import show_error

            show_error(self._parent, error)


class Ops:
    """The threads that run operations: one for the library (serialised), a pool for other work."""

    def __init__(self, open_library: Callable[[], Any], changes: Changes | None = None):
        self.changes = changes or Changes()
        self.library: Any = None
        self._library_error: BaseException | None = None
        self._library_thread = ThreadPoolExecutor(1, thread_name_prefix="parley-library")
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="parley-work")
        self._ordered = ThreadPoolExecutor(1, thread_name_prefix="parley-in-order")  # saves whose order matters
        self._bridge = _Bridge()
        self._bridge.finished.connect(self._finished)
        self._lock = threading.Lock()
        self._pending = 0
        self._closed = False
        self._library_thread.submit(self._open, open_library)

    def _open(self, open_library: Callable[[], Any]) -> None:
        try:
            self.library = open_library()
        except BaseException as exc:  # every later library op reports it
            log.exception("the library could not be opened")
            self._library_error = exc

    def library_op(self, fn: Callable[[Any], Any], *, parent: QObject | None = None) -> Op:
        """Return an op that runs fn(library) on the library thread."""
        return Op(self, fn, on_library=True, parent=parent)

    def background(self, fn: Callable[[], Any], *, parent: QObject | None = None) -> Op:
        """Return an op that runs fn() on the work pool."""
        return Op(self, fn, on_library=False, parent=parent)

    def in_order(self, fn: Callable[[], Any], *, parent: QObject | None = None) -> Op:
        """Return an op that runs fn() after every op asked in_order before it (saving settings: the last asked is the one
        kept; listing the microphones: never behind a model loading on the pool). Only for quick work."""
        return Op(self, fn, on_library=False, parent=parent, in_order=True)

    @property
    def pending(self) -> int:
        """Return how many operations have not yet reported back."""
        with self._lock:
            return self._pending

    def _submit(self, op: Op) -> None:
        if self._closed:
            log.warning("operation asked after shutdown; ignored")
            return
        with self._lock:
            self._pending += 1
        executor = self._library_thread if op._on_library else self._ordered if op._in_order else self._pool
        executor.submit(self._execute, op)

    def _execute(self, op: Op) -> None:
        try:
            if op._on_library and self._library_error is not None:
                raise self._library_error
            result, error = op._call(), None
        except BaseException as exc:  # handed to the GUI thread, which decides what the user sees
            result, error = None, exc
            if not isinstance(exc, ParleyError):
                log.warning("operation failed unexpectedly", exc_info=exc)
        if self._closed:
            return
        self._bridge.finished.emit(op, result, error)

    def _finished(self, op: Op, result: Any, error: BaseException | None) -> None:
        with self._lock:
            self._pending -= 1
        op._deliver(result, error)

    def call_library(self, fn: Callable[[Any], Any], timeout: float | None = None) -> Any:
        """Return fn(library) run on the library thread, waiting for it (only for shutdown and tests)."""
        return self._library_thread.submit(lambda: fn(self.library)).result(timeout)

    def shutdown(self) -> None:
        """Return None after the running operations have ended and the library is closed."""
        if self._closed:
            return
        self._ordered.shutdown(wait=True)  # a setting asked to be saved is saved
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._library_thread.submit(self._close_library)
        self._library_thread.shutdown(wait=True)
        self._closed = True

    def _close_library(self) -> None:
        if self.library is not None:
            self.library.close()
