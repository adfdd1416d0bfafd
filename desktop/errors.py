"""The one place an exception becomes a message a person can read."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from core.errors import ParleyError

log = logging.getLogger(__name__)


def error_message(error: BaseException) -> tuple[str, str, str]:
    """Return (title, what happened, what to do) for an error from core or from the system."""
    if isinstance(error, ParleyError):
        title = {
            "AudioError": "The recording cannot be read",
            "DeviceError": "The microphone cannot be used",
            "ModelError": "The speech model cannot be loaded",
            "EditConflict": "That change cannot be taken back",
            "StoreError": "The library cannot be used",
            "JobError": "The transcription job cannot be changed",
            "SecretStoreError": "The token cannot be stored",
            "ExportError": "The transcript cannot be exported",
            "SettingsError": "That setting is not valid",
        }
        for cls in type(error).__mro__:
            if cls.__name__ in title:
                return title[cls.__name__], str(error), error.hint
        return "Parley", str(error), error.hint
    if isinstance(error, OSError):
        where = f" ({error.filename})" if error.filename else ""
        return "A file cannot be used", f"{error.strerror or error}{where}.", "Check the path and its permissions."
    log.error("unexpected error", exc_info=error)
    return (
        "Something went wrong",
        f"Unexpected error: {type(error).__name__}: {error}",
        "This is a bug in Parley; the log has the details.",
    )


def show_error(parent: QWidget | None, error: BaseException) -> QMessageBox | None:
    """Return the (non-blocking, window-modal) message box that now shows the error.

    A box over a window the user has closed (a dialog they shut while its work ran) goes over the
    main window instead; once the main window is closed too (the app is quitting), the error is
    only logged, and None returned: a box appearing after the app was closed would keep it running.
    """
    title, text, hint = error_message(error)
    parent = _shown_window(parent)
    if parent is None:
        log.warning("not shown, the window is closed: %s: %s", title, text)
        return None
    for shown in QApplication.topLevelWidgets():  # the same message is already on screen: once is enough
        if shown.objectName() == "errorDialog" and shown.isVisible() and (shown.windowTitle(), shown.text()) == (title, text):
            return shown
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorDialog")
    if hint:
        box.setInformativeText(hint)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()
    return box


def _shown_window(parent: QWidget | None) -> QWidget | None:
    """Return the widget a box may go over: `parent` when its window shows, else the shown main window."""
    if parent is not None and parent.window().isVisible():
        return parent
    return next((w for w in QApplication.topLevelWidgets() if w.objectName() == "mainWindow" and w.isVisible()), None)
