"""The composition root: open the library, start the job worker, build the main window.

`parley` (no arguments) and `parley gui` call `main()`. Nothing here loads a model: the
window appears first, and models load when a recording or a job first needs them, off the
GUI thread (live sessions on the ops pool, jobs in the worker's processes).
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from core import paths
from core.stderr import keep_stderr
from desktop.main_window import MainWindow
from desktop.ops import Ops
from desktop.services import Services
from desktop.single_instance import SingleInstance
from desktop.worker_process import WorkerProcess

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
APP_ID = "parley"
WARM_UP_DELAY_MS = 1500
SIGNAL_CHECK_MS = 250  # how often Python may run a signal handler while Qt waits


def app_icon() -> QIcon:
    """Return the application icon (empty when the resources folder is missing)."""
    icon = QIcon()
    for name in ("parley.svg", "parley-256.png"):
        path = RESOURCES / name
        if path.is_file():
            icon.addFile(str(path))
    return icon


def style_sheet() -> str:
    """Return the application's style sheet ('' when missing)."""
    path = RESOURCES / "style.qss"
    if not path.is_file():
        return ""
    return path.read_text(encoding="utf-8").replace("@RESOURCES@", RESOURCES.as_posix())


# The style sheet draws a light look; the palette gives the same to what it leaves alone (menus, scroll bars, message
# boxes, tooltips). Left to a desktop in dark mode, menus drew the style sheet's dark ink on the system's dark grey.
LIGHT = {
    "Window": "#f8fafc", "WindowText": "#1f2937", "Base": "#ffffff", "AlternateBase": "#f7f9fc", "Text": "#1f2937",
    "Button": "#ffffff", "ButtonText": "#1f2937", "BrightText": "#ffffff", "Highlight": "#2563eb", "HighlightedText": "#ffffff",
    "ToolTipBase": "#ffffff", "ToolTipText": "#1f2937", "PlaceholderText": "#6b7280", "Link": "#1d4ed8",
    "Light": "#ffffff", "Midlight": "#eef2f7", "Mid": "#cfd6df", "Dark": "#9aa3ad", "Shadow": "#6b7280",
}
LIGHT_DISABLED = {"WindowText": "#a0a8b3", "Text": "#a0a8b3", "ButtonText": "#a0a8b3"}


def light_palette() -> QPalette:
    """Return the palette of the app's light look, whatever the desktop's colour scheme."""
    palette = QPalette()
    for role, colour in LIGHT.items():
        palette.setColor(QPalette.ColorRole[role], QColor(colour))
    for role, colour in LIGHT_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole[role], QColor(colour))
    return palette


def application(argv: list[str] | None = None) -> QApplication:
    """Return the QApplication (created once, named and styled)."""
    app = QApplication.instance() or QApplication(list(argv) if argv is not None else sys.argv)
    app.setApplicationName("Parley")
    app.setOrganizationName("Parley")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setPalette(light_palette())
    app.setStyleSheet(style_sheet())
    return app


def create_services(library_path: Path | None = None, *, start_worker: bool = True) -> Services:
    """Return the services: the library (opened on its own thread), the settings and the job worker."""
    from core import paths
    from core.settings import load_settings

    library_path = Path(library_path) if library_path else paths.library_path()

    def open_library():
        from core.jobs.queue import TranscriptionQueue
        from core.store import Library

        library = Library.open(library_path)
        if not start_worker:  # the worker recovers jobs itself; without one, do it here
            TranscriptionQueue(library).recover()
        return library

    ops = Ops(open_library)
    worker = WorkerProcess() if start_worker else None
    services = Services(ops=ops, settings=load_settings(), library_path=library_path, worker=worker)
    if worker is not None:
        worker.start()
    return services


def shutdown(services: Services) -> None:
    """Stop the worker and the operation threads and close the library; returns nothing."""
    if services.worker is not None:
        services.worker.stop()
    services.ops.shutdown()


def _warm_up() -> None:
    # the first import of the speech engine (CTranslate2, PyAV, PortAudio) holds Python's lock for
    # long stretches; done while the user looks at the window, not when they press Record
    import core.audio.capture  # noqa: F401
    import core.live  # noqa: F401


def build_window(services: Services) -> MainWindow:
    """Return the main window over the services (the engine's libraries load soon after, off the GUI thread)."""
    window = MainWindow(services)
    window.setWindowIcon(app_icon())
    QTimer.singleShot(WARM_UP_DELAY_MS, lambda: services.ops.background(_warm_up, parent=window).failure(
        lambda error: log.warning("warm-up failed: %s", error)).run())
    return window


def close_on_signals(window: MainWindow) -> None:
    """Make SIGTERM (logout, shutdown, `kill`) and SIGHUP close the window, a recording under way saved first.

    Python runs a signal handler only between its own steps, never while Qt waits for events: a timer gives it
    one a few times a second. Without them the process ended at once, and the recording waited for recovery."""
    def asked(signum, frame) -> None:
        log.info("closing: the system asked (signal %d)", signum)
        QTimer.singleShot(0, window.close_without_asking)

    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), asked)
    ticker = QTimer(window)
    ticker.timeout.connect(lambda: None)
    ticker.start(SIGNAL_CHECK_MS)


def main(argv: list[str] | None = None, files: list[Path] | None = None) -> int:
    """Run the desktop app until its window closes; return the exit status.

    `files` (from `parley gui FILE...`, the desktop entry's "Open with") are imported once the
    window is up and queued for transcription, as a drop onto the window would.
    """
    started = time.perf_counter()
    keep_stderr()  # its Record view starts PortAudio on another thread as the window opens (see core.stderr)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    app = application(argv)
    files = [Path(f).expanduser().absolute() for f in files or []]
    instance = SingleInstance(paths.parley_home())
    if not instance.claim():
        return _hand_over(instance, files)
    services = create_services()
    window = build_window(services)
    close_on_signals(window)
    window.show()
    QTimer.singleShot(0, lambda: log.info("window shown in %.0f ms", 1000 * (time.perf_counter() - started)))
    instance.asked.connect(lambda asked: window.bring_forward([Path(f) for f in asked]))
    if files:
        window.bring_forward(files)
    try:
        return app.exec()
    finally:
        shutdown(services)
        instance.release()


def _hand_over(instance: SingleInstance, files: list[Path]) -> int:
    """Return the exit status of a start that found the app already open: its files go to that app's window."""
    if instance.hand_over(files):
        said = f" and given {len(files)} file(s) to import" if files else ""
        print(f"Parley is already open on {instance.home}: its window was brought to the front{said}.", file=sys.stderr)
        return 0
    pid = instance.owner()
    text = (f"Parley is already open on the library in {instance.home}" + (f" (process {pid})" if pid else "")
            + ", but it did not answer. Switch to its window, or close it and start Parley again: two windows on one "
            "library would record the same meeting twice.")
    print(f"parley: {text}", file=sys.stderr)
    QMessageBox.warning(None, "Parley is already open", text)  # started from a menu, there is no terminal to read
    return 1


if __name__ == "__main__":
    sys.exit(main())
