"""The main window: Record, Library (with the conversation view) and Jobs, menus, shortcuts, drops."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import QApplication, QHBoxLayout, QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QStackedWidget, QWidget

from core.jobs.model import RUNNING
from desktop.confirm import confirm
from desktop.conversation_view import ConversationView
from desktop.jobs_view import JobsView
from desktop.library_view import LibraryView
from desktop.record_view import RecordView
from desktop.services import Services
from desktop.text_scale import larger, scale_text, smaller

log = logging.getLogger(__name__)

PAGES = ("Record", "Library", "Jobs")
SKIP_MS = 5000  # Playback ▸ Back / Forward: what a transcriber checking a phrase hears again
# what the title and the Record item say while a recording is under way, by its state
RECORDING_SHOWN = {
    "starting": ("● Recording — Parley", "● Record"),
    "running": ("● Recording — Parley", "● Record"),
    "paused": ("Paused — Parley", "Record (paused)"),
    "stopping": ("Saving the recording — Parley", "Record (saving)"),
}


class MainWindow(QMainWindow):
    """Holds the views and the actions that reach them."""

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Parley")
        self.setAcceptDrops(True)
        self.services = services
        self._closing = False
        self.record_view = RecordView(services)
        self.library_view = LibraryView(services)
        self.jobs_view = JobsView(services)
        self.conversation_view = ConversationView(services, job_pace=self.jobs_view.pace)
        self.stack = QStackedWidget()
        for view in (self.record_view, self.library_view, self.conversation_view, self.jobs_view):
            self.stack.addWidget(view)
        self.nav = QListWidget(objectName="navigation")
        # wide enough for the longest label it shows (bold when selected), with the items' padding and margins
        bold = QFont(self.nav.font())
        bold.setBold(True)
        widest = max(QFontMetrics(bold).horizontalAdvance(label) for _, label in RECORDING_SHOWN.values())
        self.nav.setFixedWidth(max(150, widest + 2 * (16 + 8) + 16))
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setIconSize(QSize(20, 20))
        for name in PAGES:
            self.nav.addItem(QListWidgetItem(name))
        self.nav.currentRowChanged.connect(self._nav_changed)
        central = QWidget()
        row = QHBoxLayout(central)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self._build_actions()
        self._connect()
        self.nav.setCurrentRow(1)
        self.resize(1100, 720)

    # wiring

    def _connect(self) -> None:
        lib, conv, rec, jobs = self.library_view, self.conversation_view, self.record_view, self.jobs_view
        lib.open_requested.connect(self.open_conversation)
        lib.export_requested.connect(self.export)
        lib.retranscribe_requested.connect(self.retranscribe)
        conv.back_requested.connect(lambda: self.show_page("Library"))
        conv.export_requested.connect(self.export)
        conv.retranscribe_requested.connect(self.retranscribe)
        rec.open_requested.connect(self.open_conversation)
        rec.recording_changed.connect(self._recording_changed)
        rec.state_changed.connect(self._show_recording_state)
        rec.conversation_saved.connect(lambda cid: self.statusBar().showMessage("Recording saved to the library.", 5000))
        rec.recovery.recovered.connect(lambda cid: self.statusBar().showMessage("Recovered the interrupted recording.", 5000))
        rec.recovery.found.connect(lambda count: self.show_page("Record"))
        jobs.open_requested.connect(self.open_conversation)
        jobs.pending_changed.connect(self._jobs_pending)
        jobs.jobs_read.connect(conv.show_jobs)
        self.stack.currentChanged.connect(lambda _: self._update_actions())
        self.services.changes.settings_changed.connect(lambda settings: self._show_text_scale(settings.text_scale))
        self._show_text_scale(self.services.settings.text_scale)

    def _action(self, text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name or text)
        if shortcut:
            action.setShortcuts([QKeySequence(s) for s in (shortcut if isinstance(shortcut, tuple) else (shortcut,))])
            action.setToolTip(f"{text} ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})")
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.import_action = a("&Import recordings…", self.library_view.choose_import, QKeySequence.StandardKey.Open, "import")
        self.export_action = a("&Export…", self._export_current, "Ctrl+Shift+E", "export")
        self.settings_action = a("&Settings…", self.open_settings, ("Ctrl+,",), "settings")
        self.quit_action = a("&Quit", self.close, QKeySequence.StandardKey.Quit, "quit")
        self.record_action = a("&Record", self._record, "Ctrl+R", "record")
        self.pause_action = a("&Pause / Resume", self.record_view.toggle_pause, "Ctrl+Shift+P", "pause")
        self.stop_action = a("&Stop and save", self.record_view.stop_recording, ("Ctrl+.", "Ctrl+Shift+R"), "stop")
        self.play_action = a("&Play / Pause", self.conversation_view.toggle_playback, ("Space", "Ctrl+Space"), "play")
        self.back_action = a(f"&Back {SKIP_MS // 1000} s", lambda: self.conversation_view.skip(-SKIP_MS), "Ctrl+Left", "back")
        self.forward_action = a(f"&Forward {SKIP_MS // 1000} s", lambda: self.conversation_view.skip(SKIP_MS), "Ctrl+Right", "forward")
        self.larger_action = a("&Larger text", lambda: self._scale_text(larger), (QKeySequence.StandardKey.ZoomIn, "Ctrl+="), "larger")
        self.smaller_action = a("&Smaller text", lambda: self._scale_text(smaller), QKeySequence.StandardKey.ZoomOut, "smaller")
        self.normal_text_action = a("&Normal text size", lambda: self._scale_text(lambda _: 100), "Ctrl+0", "normalText")
        self.search_action = a("&Find…", self.focus_search, QKeySequence.StandardKey.Find, "search")
        self.find_next_action = a("Find &next", lambda: self.conversation_view.find_step(1), QKeySequence.StandardKey.FindNext, "findNext")
        self.find_previous_action = a("Find pre&vious", lambda: self.conversation_view.find_step(-1),
                                      QKeySequence.StandardKey.FindPrevious, "findPrevious")
        self.page_actions = [a(f"Go to {name}", lambda _=False, n=name: self.show_page(n), f"Ctrl+{i + 1}", f"go{name}") for i, name in enumerate(PAGES)]
        menus = self.menuBar()
        file = menus.addMenu("&File")
        for action in (self.import_action, self.export_action, None, self.settings_action, None, self.quit_action):
            file.addSeparator() if action is None else file.addAction(action)
        edit = menus.addMenu("&Edit")
        edit.addAction(self.conversation_view.history.undo_action)
        edit.addAction(self.conversation_view.history.redo_action)
        record = menus.addMenu("&Recording")
        for action in (self.record_action, self.pause_action, self.stop_action):
            record.addAction(action)
        view = menus.addMenu("&View")
        for action in (self.larger_action, self.smaller_action, self.normal_text_action):
            view.addAction(action)
        play = menus.addMenu("&Playback")
        for action in (self.play_action, self.back_action, self.forward_action):
            play.addAction(action)
        go = menus.addMenu("&Go")
        for action in (self.search_action, self.find_next_action, self.find_previous_action):
            go.addAction(action)
        for action in self.page_actions:
            go.addAction(action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction("About Parley", self._about)
        self._update_actions()

    def _scale_text(self, step) -> None:
        """Make the transcript and the captions' text one step larger or smaller, and keep that size; returns nothing."""
        self.services.change_settings(text_scale=step(self.services.settings.text_scale))

    def _show_text_scale(self, percent: int) -> None:
        for widget in (self.conversation_view.transcript, self.record_view.captions):
            scale_text(widget, percent)
        self.larger_action.setEnabled(larger(percent) != percent)
        self.smaller_action.setEnabled(smaller(percent) != percent)
        self.normal_text_action.setEnabled(percent != 100)

    def _update_actions(self) -> None:
        state = self.record_view.session.state if self.record_view.session is not None else "idle"
        self.pause_action.setEnabled(state in ("running", "paused"))
        self.stop_action.setEnabled(state in ("starting", "running", "paused"))
        for action in (self.play_action, self.back_action, self.forward_action, self.find_next_action, self.find_previous_action):
            action.setEnabled(self.stack.currentWidget() is self.conversation_view)

    # pages

    def show_page(self, name: str) -> None:
        """Show the Record, Library or Jobs page; returns nothing."""
        self.nav.setCurrentRow(PAGES.index(name))
        self._nav_changed(PAGES.index(name))

    def _nav_changed(self, row: int) -> None:
        page = (self.record_view, self.library_view, self.jobs_view)[row] if row >= 0 else self.library_view
        self.stack.setCurrentWidget(page)

    def bring_forward(self, files: list[Path]) -> None:
        """Show the window in front (asked by a later start of the app), importing the files it was given; returns nothing."""
        if self.isMinimized():
            self.showNormal()
        self.show()
        self.raise_()
        self.activateWindow()
        if files:
            self.show_page("Library")
            self.library_view.import_files(files)

    def open_conversation(self, conversation_id: str, offset_ms: int | None = None) -> None:
        """Show a stored conversation, at offset_ms when given; returns nothing."""
        self.conversation_view.open(conversation_id, offset_ms)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(PAGES.index("Library"))
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(self.conversation_view)

    def focus_search(self) -> None:
        """Find in the conversation shown, as an editor does; elsewhere, the library's search of every transcript."""
        if self.stack.currentWidget() is self.conversation_view:
            self.conversation_view.open_find()
            return
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(PAGES.index("Library"))
        self.nav.blockSignals(False)
        self.stack.setCurrentWidget(self.library_view)
        self.library_view.focus_search()

    def _record(self) -> None:
        self.show_page("Record")
        self.record_view.start_recording()

    def _recording_changed(self, recording: bool) -> None:
        self._update_actions()
        if not recording and self._closing:
            self.close()

    def _show_recording_state(self, state: str) -> None:
        """Show a recording under way on every page: in the window title and on the Record item."""
        title, label = RECORDING_SHOWN.get(state, ("Parley", "Record"))
        self.setWindowTitle(title)
        item = self.nav.item(PAGES.index("Record"))
        item.setText(label)
        item.setData(Qt.ItemDataRole.ForegroundRole, QColor("#c62828") if state in ("starting", "running") else None)
        self._update_actions()

    def _jobs_pending(self, count: int) -> None:
        item = self.nav.item(PAGES.index("Jobs"))
        item.setText(f"Jobs ({count})" if count else "Jobs")

    # dialogs

    def _titles(self, ids: list[str]) -> dict[str, str]:
        titles = {}
        for i in range(self.library_view.table.topLevelItemCount()):
            item = self.library_view.table.topLevelItem(i)
            titles[item.data(0, Qt.ItemDataRole.UserRole)] = item.text(0)
        if self.conversation_view.data is not None:
            c = self.conversation_view.data.conversation
            titles[c.conversation_id] = c.title
        return {i: titles.get(i, "conversation") for i in ids}

    def _export_current(self) -> None:
        if self.stack.currentWidget() is self.conversation_view and self.conversation_view.conversation_id:
            self.export([self.conversation_view.conversation_id])
        else:
            self.export(self.library_view.selected_ids())

    def export(self, conversation_ids: list[str]):
        """Open the Export dialog for these conversations; returns the dialog (or None when none is chosen)."""
        from desktop.export_dialog import ExportDialog

        if not conversation_ids:
            self.statusBar().showMessage("Select the conversations to export first.", 4000)
            return None
        dialog = ExportDialog(self.services, conversation_ids, self._titles(conversation_ids), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.exported.connect(lambda paths: self.statusBar().showMessage(f"Exported {len(paths)} file(s) to {paths[0].parent if paths else ''}", 8000))
        dialog.open()
        return dialog

    def retranscribe(self, conversation_id: str):
        """Open the Transcribe-again dialog for a conversation; returns the dialog."""
        from desktop.retranscribe_dialog import RetranscribeDialog

        dialog = RetranscribeDialog(self.services, conversation_id, self._titles([conversation_id])[conversation_id], self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.statusBar().showMessage("Transcription queued; see Jobs.", 5000))
        dialog.open()
        return dialog

    def open_settings(self):
        """Open the Settings dialog; returns it."""
        from desktop.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.services, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _about(self) -> None:
        QMessageBox.about(self, "About Parley", "<b>Parley</b><br>Offline conversation transcription.<br>Nothing leaves this computer.")

    # drops and closing

    def dragEnterEvent(self, event) -> None:
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.show_page("Library")
            self.library_view.import_files(paths)

    def close_without_asking(self) -> None:
        """Close as the system asks (logout, shutdown, `kill`): a recording under way is saved first, without a question.

        A question already open (Stop recording?) is put away first: it held the close back for as long as it was
        open, with the recording going on, until the system killed the app."""
        self._closing = True
        dialog = QApplication.activeModalWidget()
        if dialog is not None and dialog is not self:
            dialog.reject()  # its own event loop ends; the close comes after it
            QTimer.singleShot(0, self.close_without_asking)
            return
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.record_view.recording:
            saving = self.record_view.session.state == "stopping"  # already stopped by the user: nothing to ask
            if self._closing or saving or self.record_view.confirm_stop_for_exit():
                self._closing = True
                self.statusBar().showMessage("Saving the recording before closing…")
                self.record_view.stop_recording()
            event.ignore()
            return
        if not (self._closing or self._leave_running_job()):
            event.ignore()
            return
        self.conversation_view.player.pause()
        event.accept()

    def _leave_running_job(self) -> bool:
        """Return whether the app may close while a better transcript is being made (it starts over at the next start)."""
        running = [job for job in self.jobs_view.jobs if job.state == RUNNING]
        if not running:
            return True
        job = running[0]
        return confirm(self, "Quit while a transcript is being made?",
                       f"A better transcript of “{self.jobs_view.title(job)}” is {job.progress} % done"
                       f"{self.jobs_view.pace.text(job, ' ({})')}. If you quit now, it starts over the next "
                       "time Parley opens. Quit anyway?")
