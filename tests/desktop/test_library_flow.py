"""The Library: newest first, search with highlighted snippets that jump to the moment, rename, delete, import."""

from __future__ import annotations

import re
from datetime import timedelta

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from desktop_helpers import store, wait_ops
from helpers.audiofiles import overwrite_with_noise


def _distinct_word(conversation) -> tuple[str, object]:
    """Return a word that occurs in exactly one utterance (past the first), with that utterance."""
    counts: dict[str, list] = {}
    for u in conversation.ordered():
        for word in set(re.findall(r"[a-z]{5,}", u.display.lower())):
            counts.setdefault(word, []).append(u)
    word, [utterance] = next((w, us) for w, us in counts.items() if len(us) == 1 and us[0].offset_ms > 3000)
    return word, utterance


def test_conversations_are_listed_newest_first_with_their_details(qtbot, services, two_speaker_sample, sample_wav):
    old = store(services, two_speaker_sample, sample_wav, title="Monday stand-up",
                created=two_speaker_sample.created - timedelta(days=2))
    new = store(services, two_speaker_sample, None, title="Friday review")
    from desktop.app import build_window

    window = build_window(services)
    qtbot.addWidget(window)
    window.show()
    view = window.library_view
    qtbot.waitUntil(lambda: len(view.conversation_ids()) == 2)
    assert view.conversation_ids() == [new, old]
    first = view.table.topLevelItem(0)
    assert first.text(0) == "Friday review"
    assert first.text(2) == "0:30" and first.text(3) == "2" and first.text(4) == "—"
    assert view.summary.text() == "2 conversations"


def test_search_highlights_the_match_and_jumps_to_the_moment(qtbot, window, services, two_speaker_sample, sample_wav):
    cid = store(services, two_speaker_sample, sample_wav, title="Sample call")
    services.changes.library_changed.emit()
    word, utterance = _distinct_word(two_speaker_sample)
    view = window.library_view
    window.show_page("Record")
    window.activateWindow()
    qtbot.waitActive(window)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # the search shortcut
    assert window.stack.currentWidget() is view and view.search_box.hasFocus()
    qtbot.keyClicks(view.search_box, word)
    qtbot.waitUntil(lambda: view.stack.currentWidget() is view.hits and view.hits.count() == 1)
    item = view.hits.item(0)
    from desktop.html_delegate import HTML_ROLE

    assert re.search(rf"<b [^>]*>{word}</b>", item.data(HTML_ROLE), re.IGNORECASE)
    assert "Sample call" in item.data(HTML_ROLE)

    rect = view.hits.visualItemRect(item)
    qtbot.mouseClick(view.hits.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    conversation = window.conversation_view
    qtbot.waitUntil(lambda: conversation.data is not None and conversation.conversation_id == cid, timeout=20_000)
    assert window.stack.currentWidget() is conversation
    qtbot.waitUntil(lambda: conversation.player.position == utterance.offset_ms, timeout=20_000)
    marked = [s.cursor.selectedText() for s in conversation.transcript.extraSelections()]
    assert any(word in text.lower() for text in marked)

    qtbot.mouseClick(conversation.back_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is view and view.stack.currentWidget() is view.hits


def test_rename_and_delete_ask_first(qtbot, window, services, two_speaker_sample, sample_wav, monkeypatch, parley_home):
    cid = store(services, two_speaker_sample, sample_wav, title="Untitled")
    services.changes.library_changed.emit()
    view = window.library_view
    qtbot.waitUntil(lambda: view.conversation_ids() == [cid])
    view.select(cid)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Budget meeting", True))
    qtbot.mouseClick(view.rename_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.table.topLevelItemCount() == 1 and view.table.topLevelItem(0).text(0) == "Budget meeting")

    audio_copy = services.ops.call_library(lambda lib: lib.audio_path(cid))
    assert audio_copy.is_file() and parley_home in audio_copy.parents
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: asked.append(a[2]) or QMessageBox.StandardButton.No)
    view.select(cid)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    wait_ops(qtbot, services)
    assert "Budget meeting" in asked[0] and view.conversation_ids() == [cid]

    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    view.select(cid)
    qtbot.mouseClick(view.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.conversation_ids() == [])
    assert services.ops.call_library(lambda lib: lib.conversation_count()) == 0
    assert not audio_copy.exists()


def _drop(window, paths) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    point = QPointF(window.width() / 2, window.height() / 2)
    enter = QDragEnterEvent(point.toPoint(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, drop)


def test_dropped_recordings_are_imported_and_queued(qtbot, window, services, sample_wav, tmp_path):
    copy = tmp_path / "interview.wav"
    copy.write_bytes(sample_wav.read_bytes())
    _drop(window, [copy])
    view = window.library_view
    qtbot.waitUntil(lambda: view.table.topLevelItemCount() == 1)
    item = view.table.topLevelItem(0)
    assert item.text(0) == "interview" and item.text(4) == "Queued"
    jobs = window.jobs_view
    qtbot.waitUntil(lambda: len(jobs.jobs) == 1)
    assert jobs.jobs[0].state == "NotStarted" and jobs.jobs[0].mode == "Async"
    assert jobs.jobs[0].options.model == services.settings.retranscribe_model


def _error_boxes():
    return [w for w in QApplication.topLevelWidgets() if w.objectName() == "errorDialog" and w.isVisible()]


def test_a_corrupt_import_shows_one_clear_error(qtbot, window, services, sample_wav, tmp_path, monkeypatch):
    damaged = overwrite_with_noise(sample_wav, tmp_path / "broken.wav", start=0)
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(damaged)], ""))
    window.import_action.trigger()
    qtbot.waitUntil(lambda: len(_error_boxes()) == 1)
    box = _error_boxes()[0]
    assert box.windowTitle() == "The recording cannot be read"
    assert "broken.wav" in box.text()
    assert box.informativeText()  # what to do about it
    box.accept()
    wait_ops(qtbot, services)
    assert window.library_view.conversation_ids() == []


def test_a_damaged_library_is_reported_once_and_the_window_still_opens(qtbot, qapp, parley_home):
    (parley_home / "library.sqlite3").write_bytes(b"this is not a database, just some bytes" * 200)
    from desktop.app import build_window, create_services, shutdown

    services = create_services(start_worker=False)
    try:
        window = build_window(services)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitUntil(lambda: len(_error_boxes()) == 1)
        wait_ops(qtbot, services)
        [box] = _error_boxes()
        assert box.windowTitle() == "The library cannot be used"
        assert "library.sqlite3" in box.text() and "not a Parley library" in box.text()
        assert "backup" in box.informativeText()
        box.accept()
    finally:
        shutdown(services)


def test_keyboard_shortcuts(window):
    shortcuts = {a.objectName(): a.shortcut().toString() for a in window.actions()}
    assert shortcuts["record"] == "Ctrl+R" and shortcuts["pause"] == "Ctrl+Shift+P" and shortcuts["stop"] == "Ctrl+."
    assert shortcuts["play"] == "Space" and shortcuts["search"] == "Ctrl+F" and shortcuts["import"] == "Ctrl+O"
    assert not window.stop_action.isEnabled() and not window.play_action.isEnabled()  # nothing to stop or play yet


def test_an_error_after_its_dialog_closed_shows_over_the_window_and_after_the_window_closed_only_in_the_log(
        qtbot, window, services, caplog):
    from PySide6.QtWidgets import QDialog

    def fail():
        raise OSError(28, "No space left on device", "/library/export.srt")

    dialog = QDialog(window)
    dialog.show()
    dialog.close()  # the user shut the dialog while its work ran: the error still reaches them, over the window
    services.ops.background(fail, parent=dialog).run()
    qtbot.waitUntil(lambda: len(_error_boxes()) == 1)
    [box] = _error_boxes()
    assert box.parent() is window and "No space left on device" in box.text()
    box.accept()

    window.close()
    qtbot.waitUntil(lambda: not window.isVisible())
    services.ops.background(fail, parent=window.library_view).run()
    wait_ops(qtbot, services)
    qtbot.wait(200)
    assert _error_boxes() == []  # a box now would keep the closed app running
    assert "not shown, the window is closed: A file cannot be used: No space left on device" in caplog.text
