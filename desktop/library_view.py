"""The Library: every conversation newest first, full-text search, rename, delete, import."""

from __future__ import annotations

import html
import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.html_delegate import HTML_ROLE, HtmlDelegate
from desktop.services import Services
from desktop.speaker_colors import format_time
from desktop.confirm import confirm

log = logging.getLogger(__name__)

ID_ROLE = Qt.ItemDataRole.UserRole
OFFSET_ROLE = Qt.ItemDataRole.UserRole + 1
MARK = ("\ue000", "\ue001")  # snippet highlight markers no transcript contains
SEARCH_DELAY_MS = 200
PAGE = 1000
JOB_STATUS = {
    None: "—", "NotStarted": "Queued", "Running": "Transcribing…", "Succeeded": "Done",
    "Failed": "Failed", "Canceled": "Canceled",
}
RECORDING_FILTER = "Recordings (*.wav *.mp3 *.m4a *.aac *.ogg *.opus *.flac *.mp4 *.mkv *.webm *.mov);;All files (*)"


def snippet_html(snippet: str) -> str:
    """Return a search snippet as HTML with the matched words highlighted."""
    text = html.escape(snippet)
    return text.replace(MARK[0], "<b style='background:#fde68a;color:#111'>").replace(MARK[1], "</b>")


class LibraryView(QWidget):
    """Lists and searches the stored conversations."""

    open_requested = Signal(str, object)  # conversationId, offset_ms to jump to (or None)
    export_requested = Signal(list)  # conversationIds
    retranscribe_requested = Signal(str)

    def __init__(self, services: Services, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("libraryView")
        self.services = services
        self._searched_profanity = services.settings.profanity  # how the results shown render swear words
        self.search_box = QLineEdit(objectName="searchBox")
        self.search_box.setPlaceholderText("Search every transcript…  (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.textChanged.connect(lambda _: self._search_timer.start())
        self.search_box.returnPressed.connect(self.search_now)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search_now)

        self.table = QTreeWidget(objectName="conversationList")
        self.table.setColumnCount(5)
        self.table.setHeaderLabels(["Title", "Date", "Duration", "Speakers", "Better transcript"])
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setSelectionMode(QTreeWidget.SelectionMode.ExtendedSelection)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.header().setStretchLastSection(False)
        self.table.itemActivated.connect(lambda item, _: self.open_requested.emit(item.data(0, ID_ROLE), None))
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._menu)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.hits = QListWidget(objectName="searchResults")
        self.hits.setItemDelegate(HtmlDelegate(self.hits))
        self.hits.setWordWrap(True)
        self.hits.itemActivated.connect(self._hit_activated)
        self.hits.itemClicked.connect(self._hit_activated)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.hits)
        self.summary = QLabel("", objectName="librarySummary")

        self.import_button = QPushButton("Import…", objectName="importButton")
        self.import_button.setToolTip("Import audio or video files (Ctrl+O); you can also drop files on the window")
        self.import_button.clicked.connect(self.choose_import)
        self.rename_button = QPushButton("Rename…", objectName="renameButton", clicked=self.rename_selected)
        self.delete_button = QPushButton("Delete…", objectName="deleteButton", clicked=self.delete_selected)
        self.export_button = QPushButton("Export…", objectName="exportButton")
        self.export_button.clicked.connect(lambda: self.export_requested.emit(self.selected_ids()))

        buttons = QHBoxLayout()
        for button in (self.import_button, self.rename_button, self.delete_button, self.export_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search_box)
        layout.addWidget(self.stack, 1)
        layout.addLayout(buttons)

        services.changes.library_changed.connect(self.refresh)
        # search snippets show swear words as the Profanity setting says, so a change of it shows at once
        services.changes.settings_changed.connect(self._settings_changed)
        self._update_buttons()
        self.refresh()

    # listing

    def refresh(self) -> None:
        """Read the list (and the current search) again off the GUI thread; returns nothing."""
        self.services.ops.library_op(lambda lib: lib.list_conversations(limit=PAGE), parent=self).success(self._show).run()
        if self.search_box.text().strip():
            self.search_now()

    def _show(self, summaries) -> None:
        selected = set(self.selected_ids())
        self.table.clear()
        for s in summaries:
            speakers = str(s.speaker_count) if s.speaker_count else "—"
            created = s.created.astimezone().strftime("%Y-%m-%d %H:%M")
            item = QTreeWidgetItem([s.title, created, format_time(s.duration_ms), speakers, JOB_STATUS.get(s.job_state, s.job_state)])
            item.setData(0, ID_ROLE, s.conversation_id)
            item.setToolTip(0, f"{s.title}\n{s.utterance_count} utterances · {s.model or 'not transcribed yet'}\n{s.conversation_id}")
            for column in (2, 3):
                item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.addTopLevelItem(item)
            item.setSelected(s.conversation_id in selected)
        for column in range(1, 5):
            self.table.resizeColumnToContents(column)
        count = len(summaries)
        self.summary.setText(f"{count} conversation{'s' if count != 1 else ''}")
        self._update_buttons()

    def conversation_ids(self) -> list[str]:
        """Return the ids of the listed conversations, in the order shown (newest first)."""
        return [self.table.topLevelItem(i).data(0, ID_ROLE) for i in range(self.table.topLevelItemCount())]

    def selected_ids(self) -> list[str]:
        """Return the ids of the selected conversations."""
        return [item.data(0, ID_ROLE) for item in self.table.selectedItems()]

    def select(self, conversation_id: str) -> None:
        """Select one conversation in the list; returns nothing."""
        for i in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(i)
            item.setSelected(item.data(0, ID_ROLE) == conversation_id)

    def _update_buttons(self) -> None:
        count = len(self.table.selectedItems())
        self.rename_button.setEnabled(count == 1)
        self.delete_button.setEnabled(count >= 1)
        self.export_button.setEnabled(count >= 1)

    def _menu(self, point) -> None:
        ids = self.selected_ids()
        if not ids:
            return
        menu = QMenu(self)
        if len(ids) == 1:
            menu.addAction("Open", lambda: self.open_requested.emit(ids[0], None))
            menu.addAction("Rename…", self.rename_selected)
            menu.addAction("Transcribe again…", lambda: self.retranscribe_requested.emit(ids[0]))
        menu.addAction("Export…", lambda: self.export_requested.emit(ids))
        menu.addSeparator()
        menu.addAction("Delete…", self.delete_selected)
        menu.popup(self.table.viewport().mapToGlobal(point))

    # search

    def focus_search(self) -> None:
        """Put the cursor in the search box; returns nothing."""
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    def search_now(self) -> None:
        """Search the transcripts for what is typed (off the GUI thread); returns nothing."""
        self._search_timer.stop()
        query = self.search_box.text().strip()
        if not query:
            self.stack.setCurrentWidget(self.table)
            return

        def show(hits) -> None:
            if query != self.search_box.text().strip():
                return  # typed on meanwhile; a newer search follows
            self.hits.clear()
            for hit in hits:
                speaker = f" · {html.escape(hit.speaker)}" if hit.speaker else ""
                item = QListWidgetItem()
                item.setData(HTML_ROLE, f"<div style='color:#6b7280'><b>{html.escape(hit.title)}</b> · {format_time(hit.offset_ms)}{speaker}</div>"
                             f"<div>{snippet_html(hit.snippet)}</div>")
                item.setData(ID_ROLE, hit.conversation_id)
                item.setData(OFFSET_ROLE, hit.offset_ms)
                item.setToolTip(hit.snippet.replace(MARK[0], "").replace(MARK[1], ""))
                self.hits.addItem(item)
            if not hits:
                item = QListWidgetItem()
                item.setData(HTML_ROLE, f"<i>Nothing found for “{html.escape(query)}”.</i>")
                item.setFlags(Qt.ItemFlag.NoItemFlags)
                self.hits.addItem(item)
            self.stack.setCurrentWidget(self.hits)
            self.summary.setText(f"{len(hits)} match{'es' if len(hits) != 1 else ''}")

        profanity = self._searched_profanity = self.services.settings.profanity  # snippets show swear words as the transcript does
        self.services.ops.library_op(lambda lib: lib.search(query, limit=200, markers=MARK, profanity=profanity),
                                     parent=self).success(show).run()

    def _settings_changed(self, settings) -> None:
        if settings.profanity != self._searched_profanity and self.search_box.text().strip():
            self.search_now()

    def _hit_activated(self, item: QListWidgetItem) -> None:
        conversation_id = item.data(ID_ROLE)
        if conversation_id:
            self.open_requested.emit(conversation_id, item.data(OFFSET_ROLE))

    # changes

    def rename_selected(self) -> None:
        """Ask for a new title of the selected conversation and store it; returns nothing."""
        items = self.table.selectedItems()
        if len(items) != 1:
            return
        conversation_id, old = items[0].data(0, ID_ROLE), items[0].text(0)
        title, ok = QInputDialog.getText(self, "Rename conversation", "Title:", QLineEdit.EchoMode.Normal, old)
        if ok and title.strip() and title != old:
            self.services.ops.library_op(lambda lib: lib.rename_conversation(conversation_id, title), parent=self).changes().run()

    def delete_selected(self) -> None:
        """Delete the selected conversations (with their audio copies) after asking; returns nothing."""
        items = self.table.selectedItems()
        if not items:
            return
        ids = [item.data(0, ID_ROLE) for item in items]
        what = f"“{items[0].text(0)}”" if len(items) == 1 else f"these {len(items)} conversations"
        if not confirm(self, "Delete conversation", f"Delete {what} with its transcripts and the recording Parley keeps? This cannot be undone."):
            return

        def delete(lib) -> None:
            for conversation_id in ids:
                lib.delete_conversation(conversation_id)

        self.services.ops.library_op(delete, parent=self).changes().run()

    def choose_import(self) -> None:
        """Ask for recordings to import and queue their transcription; returns nothing."""
        files, _ = QFileDialog.getOpenFileNames(self, "Import recordings", "", RECORDING_FILTER)
        if files:
            self.import_files([Path(f) for f in files])

    def import_files(self, paths: list[Path]) -> None:
        """Store recordings as conversations and queue each as an Async job (off the GUI thread)."""
        options = self.services.job_options()

        def run(lib):
            from core.errors import ParleyError
            from core.importing import import_recording

            imported, failed = [], []
            for path in paths:
                try:
                    imported.append(import_recording(lib, path, options)[0])
                except ParleyError as exc:
                    failed.append((path, exc))
            if failed and not imported and len(failed) == 1:
                raise failed[0][1]
            if failed:
                lines = "\n".join(f"{p.name}: {e.user_message()}" for p, e in failed)
                raise ParleyError(f"{len(failed)} of {len(paths)} files could not be imported:\n{lines}", hint="The others were imported.")
            return imported

        def done(imported) -> None:
            if imported:
                self.summary.setText(f"Imported {len(imported)}; transcription queued")

        # changes() is not enough: a partial import fails but still changed the library
        op = self.services.ops.library_op(run, parent=self).success(done).changes()
        op.failure(lambda error: (self.services.changes.library_changed.emit(), _show_error(self, error))).run()


def _show_error(parent, error) -> None:
    from desktop.errors import show_error

    show_error(parent, error)
